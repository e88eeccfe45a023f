using System.Diagnostics;
using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Msp;

/// <summary>
/// Random loss must not collapse the rate: the same transfer over the same link, once clean and once with 5 % loss,
/// and the lossy one keeps at least half the clean goodput. Both runs share the machine's noise, so the ratio is
/// steadier than either figure.
/// </summary>
[Collection(MspRateGroup.Name)]
public sealed class MspGoodputTests : StriperTestKit
{
    private const int MaxSize = 1200;

    private static readonly MspSettings Settings = MspSettings.Default with
    {
        MinRto = TimeSpan.FromMilliseconds(30),
        InitialRto = TimeSpan.FromMilliseconds(200),
    };

    private readonly ITestOutputHelper _output;

    public MspGoodputTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void MspStream_goodput_at_5_percent_loss_should_stay_above_half_of_loss_free()
    {
        var count = MspStreamTransferTests.MessagesFor(4);

        // Warm-up at full size: the first run is slowed by JIT tiering (measured: about a tenth of later runs).
        Measure(0, count, 30);
        Measure(0.05, count, 31);

        // Best of three, interleaved, so a burst of machine noise hits both sides alike.
        double clean = 0, lossy = 0;
        for (var run = 0; run < 3; run++)
        {
            clean = Math.Max(clean, Measure(0, count, 40 + run));
            lossy = Math.Max(lossy, Measure(0.05, count, 50 + run));
        }

        _output.WriteLine($"goodput loss-free {clean / 1048576:0.0} MiB/s, 5 % loss {lossy / 1048576:0.0} MiB/s, ratio {lossy / clean:0.00}");
        Assert.True(lossy > clean * 0.5, $"5 % loss: {lossy / 1048576:0.0} MiB/s, loss-free {clean / 1048576:0.0} MiB/s");
    }

    private double Measure(double loss, int count, int seed)
    {
        var probe = CreateTestProbe();
        var started = Stopwatch.GetTimestamp();
        var receiver = ActorOf(TransferPeer.Props("B", probe, 0, seed + 1, seed, MaxSize));
        var sender = ActorOf(TransferPeer.Props("A", probe, count, seed, seed + 1, MaxSize));
        using var pair = StreamPair.Create(Sys, sender, receiver, Settings, new LossyLinkOptions { Loss = loss }, seed);

        var first = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        var second = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        var b = first.Name == "B" ? first : second;
        Assert.Equal(count, b.MessagesReceived);
        Assert.Empty(b.Errors);
        return b.BytesReceived / Stopwatch.GetElapsedTime(started, b.ReceiveCompletedAt).TotalSeconds;
    }
}
