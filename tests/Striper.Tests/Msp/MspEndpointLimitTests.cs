using Akka.Actor;
using Striper.Actors.Msp;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

/// <summary>
/// A SYN flood (fresh stream ids, as a hostile or replaying neighbour would send) against one endpoint: the streams it
/// keeps stay at <see cref="MspSettings.MaxStreams"/>, the rest are refused with RST and counted, memory stays flat,
/// and once the flood's streams have idled out a real stream opens and carries data both ways.
/// </summary>
public sealed class MspEndpointLimitTests : StriperTestKit
{
    private const int Bound = 16;
    private const int Flood = 5000;

    private static readonly MspSettings Settings = MspSettings.Default with
    {
        MinRto = TimeSpan.FromMilliseconds(30),
        IdleTimeout = TimeSpan.FromMilliseconds(800),
        KeepaliveInterval = TimeSpan.FromMilliseconds(300),
        Linger = TimeSpan.FromMilliseconds(100),
        MaxStreams = Bound,
    };

    [Fact]
    public async Task A_syn_flood_should_be_held_at_max_streams_and_refused_with_rst_and_a_later_stream_should_work()
    {
        var acceptor = CreateTestProbe();
        var wire = CreateTestProbe();
        using var toA = new LossyLink(LossyLinkOptions.Perfect, 1) { Target = wire };
        using var toB = new LossyLink(LossyLinkOptions.Perfect, 2);
        var endpointB = ActorOf(MspEndpoint.Props(toA, acceptor, Settings));
        toB.Target = endpointB;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (uint id = 1; id <= Flood; id++)
        {
            endpointB.Tell(new DatagramReceived(new MspPacket { Flags = MspFlags.Syn | MspFlags.FromInitiator, StreamId = id, Window = 64 }.ToArray()));
        }

        var stats = await endpointB.Ask<MspStats>(GetStats.Instance, TimeSpan.FromSeconds(10));
        var after = GC.GetTotalMemory(forceFullCollection: true);

        // Streams may have idled out already on a slow machine; never more than the bound.
        Assert.InRange(stats.Streams, 1, Bound);
        Assert.InRange(stats.StreamsRefused, Flood - (2 * Bound), Flood - Bound);
        Assert.Equal(Flood, stats.PacketsReceived);

        // Unbounded, 5,000 streams with the default windows hold about 500 MB.
        Assert.True(after - before < 48L << 20, $"the heap grew by {(after - before) >> 20} MiB during the flood");
        var refusal = wire.FishForMessage<DatagramReceived>(
            m => MspPacket.TryParse(m.Datagram, Settings.MaxMessageSize, out var p) == MspParseError.None && p!.Has(MspFlags.Rst) && p.ResetReason == MspResetReason.TooManyStreams,
            TimeSpan.FromSeconds(5));
        Assert.Equal(MspParseError.None, MspPacket.TryParse(refusal.Datagram, Settings.MaxMessageSize, out var reset));
        Assert.InRange(reset!.StreamId, (uint)Bound + 1, (uint)Flood);

        // The flood's streams never hear from their peer again: they idle out and the endpoint makes room.
        await WaitForAsync(async () => (await endpointB.Ask<MspStats>(GetStats.Instance, TimeSpan.FromSeconds(3))).Streams == 0, TimeSpan.FromSeconds(5));

        var endpointA = ActorOf(MspEndpoint.Props(toB, CreateTestProbe(), Settings));
        toA.Target = endpointA;
        var ownerA = CreateTestProbe();
        endpointA.Tell(new Connect(ownerA), TestActor);
        var connected = ExpectMsg<Connected>();
        var outbound = Enumerable.Range(0, 20).Select(i => Enumerable.Repeat((byte)i, 100 + i).ToArray()).ToList();
        foreach (var message in outbound)
        {
            connected.Stream.Tell(new Send(message), ownerA);
        }

        var accepted = acceptor.FishForMessage<Accepted>(m => m.StreamId == connected.StreamId, TimeSpan.FromSeconds(5));
        for (var i = 0; i < outbound.Count; i++)
        {
            var received = acceptor.FishForMessage<Received>(m => m.StreamId == connected.StreamId, TimeSpan.FromSeconds(5));
            Assert.Equal(outbound[i], received.Payload.ToArray());
        }

        accepted.Stream.Tell(new Send(new byte[] { 9, 8, 7 }), acceptor);
        var reply = ownerA.FishForMessage<Received>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal(new byte[] { 9, 8, 7 }, reply.Payload.ToArray());
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
