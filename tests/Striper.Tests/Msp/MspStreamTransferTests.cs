using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Msp;

/// <summary>Whole transfers between two MSP streams over a misbehaving in-process link.</summary>
public sealed class MspStreamTransferTests : StriperTestKit
{
    private const int MaxSize = 1200;
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(20);

    private static readonly MspSettings Settings = MspSettings.Default with
    {
        MinRto = TimeSpan.FromMilliseconds(30),
        InitialRto = TimeSpan.FromMilliseconds(200),
    };

    private readonly ITestOutputHelper _output;

    public MspStreamTransferTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(0.00, 16)]
    [InlineData(0.01, 8)]
    [InlineData(0.05, 4)]
    [InlineData(0.20, 1)]
    public void MspStream_should_deliver_every_message_whole_and_in_order_despite_loss(double loss, int mebibytes)
    {
        var link = new LossyLinkOptions { Loss = loss, Reordering = loss / 2, Duplication = loss / 4, Corruption = loss / 4 };
        var count = MessagesFor(mebibytes);

        var (a, b, elapsed) = Transfer(link, count, 0, seed: 11);

        AssertDelivered(a, b, count);
        Assert.Equal(0, a.MessagesReceived);
        _output.WriteLine($"loss {loss:P0}: {b.BytesReceived / 1048576.0:0.0} MiB in {elapsed.TotalMilliseconds:0} ms = {b.BytesReceived / elapsed.TotalSeconds / 1048576:0.0} MiB/s");
    }

    [Fact]
    public void MspStream_should_carry_both_directions_at_once()
    {
        var link = new LossyLinkOptions { Loss = 0.02, Reordering = 0.02, Duplication = 0.01 };

        var (a, b, _) = Transfer(link, 3000, 2000, seed: 12);

        AssertDelivered(a, b, 3000);
        Assert.Equal(2000, a.MessagesReceived);
        Assert.Equal(b.SentHash, a.ReceivedHash);
    }

    [Fact]
    public void MspStream_should_let_the_remote_side_keep_sending_after_a_half_close()
    {
        var probe = CreateTestProbe();
        var peerA = ActorOf(TransferPeer.Props("A", probe, 100, 1, 2, MaxSize));
        var peerB = ActorOf(TransferPeer.Props("B", probe, 500, 2, 1, MaxSize, sendAfterRemoteShutdown: true));
        using var pair = StreamPair.Create(Sys, peerA, peerB, Settings, new LossyLinkOptions { Loss = 0.05 }, 13);

        var reports = new[] { probe.ExpectMsg<PeerReport>(TransferTimeout), probe.ExpectMsg<PeerReport>(TransferTimeout) };
        var a = reports.Single(r => r.Name == "A");
        var b = reports.Single(r => r.Name == "B");

        Assert.Equal(MspState.Closed | MspState.ShutdownRemote, a.FinalState);
        Assert.Equal(MspState.Closed | MspState.ShutdownRemote, b.FinalState);
        Assert.Equal(100, b.MessagesReceived);
        Assert.Equal(500, a.MessagesReceived);
        Assert.Equal(a.SentHash, b.ReceivedHash);
        Assert.Equal(b.SentHash, a.ReceivedHash);
        Assert.Empty(a.Errors);
        Assert.Empty(b.Errors);
    }

    [Fact]
    public void MspStream_should_drop_and_count_corrupted_datagrams()
    {
        var probe = CreateTestProbe();
        var peerA = ActorOf(TransferPeer.Props("A", probe, 2000, 1, 2, MaxSize));
        var peerB = ActorOf(TransferPeer.Props("B", probe, 0, 2, 1, MaxSize));
        using var pair = StreamPair.Create(Sys, peerA, peerB, Settings with { Linger = TimeSpan.FromSeconds(5) }, new LossyLinkOptions { Corruption = 0.05 }, 14);

        var reports = new[] { probe.ExpectMsg<PeerReport>(TransferTimeout), probe.ExpectMsg<PeerReport>(TransferTimeout) };
        var b = reports.Single(r => r.Name == "B");
        Assert.Equal(2000, b.MessagesReceived);
        Assert.Empty(b.Errors);

        pair.B.Tell(MspProtocol.GetStats.Instance, probe);
        var stats = probe.ExpectMsg<MspStats>();
        Assert.True(pair.ToB.Corrupted > 0);
        Assert.True(stats.CorruptDropped > 0, $"B dropped {stats.CorruptDropped} corrupted datagrams");
        Assert.True(stats.CorruptDropped + stats.MalformedDropped <= pair.ToB.Corrupted);
    }

    private (PeerReport A, PeerReport B, TimeSpan Elapsed) Transfer(LossyLinkOptions link, int fromA, int fromB, int seed, MspSettings? settings = null)
    {
        var probe = CreateTestProbe();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var peerA = ActorOf(TransferPeer.Props("A", probe, fromA, seed, seed + 1, MaxSize));
        var peerB = ActorOf(TransferPeer.Props("B", probe, fromB, seed + 1, seed, MaxSize));
        using var pair = StreamPair.Create(Sys, peerA, peerB, settings ?? Settings, link, seed);

        if (!probe.TryExpectMsg<PeerReport>(TransferTimeout, out var first) || !probe.TryExpectMsg<PeerReport>(TransferTimeout, out var second))
        {
            pair.A.Tell(MspProtocol.GetStats.Instance, probe);
            pair.B.Tell(MspProtocol.GetStats.Instance, probe);
            throw new Xunit.Sdk.XunitException($"transfer stalled; A {probe.ExpectMsg<object>()}, B {probe.ExpectMsg<object>()}");
        }

        var a = first.Name == "A" ? first : second;
        var b = first.Name == "A" ? second : first;
        pair.A.Tell(MspProtocol.GetStats.Instance, probe);
        _output.WriteLine($"A: {probe.ExpectMsg<MspStats>()}");
        pair.B.Tell(MspProtocol.GetStats.Instance, probe);
        _output.WriteLine($"B: {probe.ExpectMsg<MspStats>()}");
        _output.WriteLine($"link A→B sent {pair.ToB.Sent} dropped {pair.ToB.Dropped}; B→A sent {pair.ToA.Sent} dropped {pair.ToA.Dropped}");
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started, b.ReceiveCompletedAt);
        return (a, b, elapsed);
    }

    private static void AssertDelivered(PeerReport a, PeerReport b, int count)
    {
        Assert.Empty(a.Errors);
        Assert.Empty(b.Errors);
        Assert.Equal(MspState.Closed | MspState.ShutdownRemote, a.FinalState);
        Assert.Equal(MspState.Closed | MspState.ShutdownRemote, b.FinalState);
        Assert.Equal(count, a.MessagesSent);
        Assert.Equal(count, b.MessagesReceived);
        Assert.Equal(a.SentHash, b.ReceivedHash);
    }

    /// <summary>Messages average about 840 bytes (see <see cref="MessageSource"/>).</summary>
    internal static int MessagesFor(int mebibytes) => mebibytes * 1024 * 1024 / 840;
}
