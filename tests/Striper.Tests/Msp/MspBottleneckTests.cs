using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Msp;

/// <summary>
/// The congestion control of one MSP stream on a simulated path, on virtual time (<see cref="PathSimulation"/>):
/// deterministic, no sockets, about half a second of wall time for 15–20 simulated seconds. The path is 20 Mbit/s
/// with 50 ms RTT (a BDP of 125 kB, 101 full packets) and a drop-tail queue of one BDP, random loss in both directions.
/// Rates count in-order messages delivered to the receiving owner at their size on the wire.
/// </summary>
public sealed class MspBottleneckTests : StriperTestKit
{
    private const double Rate = 2_500_000;
    private static readonly TimeSpan Rtt = TimeSpan.FromMilliseconds(50);

    private readonly ITestOutputHelper _output;

    public MspBottleneckTests(ITestOutputHelper output)
        : base(manualTime: true)
    {
        _output = output;
    }

    private static LossyLinkOptions Path(double loss) =>
        new() { BytesPerSecond = Rate, Delay = Rtt / 2, QueueBytes = (int)(Rate * Rtt.TotalSeconds), Loss = loss };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.001)]
    [InlineData(0.01)]
    [InlineData(0.02)]
    public void Bbr_should_fill_the_bottleneck_under_random_loss_and_keep_the_queue_short(double loss)
    {
        using var sim = new PathSimulation(this, MspSettings.Default, Path(loss), Path(loss) with { BytesPerSecond = 0 }, 11);
        sim.Run(TimeSpan.FromSeconds(4));
        var before = sim.SenderStats();
        var queueDrops = sim.Forward.QueueDropped;
        ResetQueue(sim);

        // Twelve seconds: more than one ProbeRTT (every 10 s), which costs a little of the rate.
        var utilization = sim.Utilization(TimeSpan.FromSeconds(12));
        var after = sim.SenderStats();
        var meanQueue = MeanQueueDelay(sim);
        _output.WriteLine($"loss {loss:P1}: {utilization:P1} of the bottleneck, mean queue {meanQueue.TotalMilliseconds:0.0} ms (max {sim.Forward.QueueDelayMax / 1e4:0.0} ms), {after.Retransmissions - before.Retransmissions} retransmissions for {sim.Forward.Dropped} drops, {after.Timeouts - before.Timeouts} timeouts; {after}");

        Assert.True(utilization >= 0.95, $"{utilization:P1} of the bottleneck at {loss:P1} random loss");
        Assert.True(meanQueue < Rtt / 4, $"mean queueing delay {meanQueue.TotalMilliseconds:0.0} ms: the queue should stay well under one BDP");
        Assert.Equal(queueDrops, sim.Forward.QueueDropped);
        // Random loss is repaired from SACKs, not by waiting for the RTO.
        Assert.Equal(before.Timeouts, after.Timeouts);
    }

    [Fact]
    public void Bbr_should_follow_a_bottleneck_that_halves_and_then_doubles()
    {
        using var sim = new PathSimulation(this, MspSettings.Default, Path(0.001), Path(0.001) with { BytesPerSecond = 0 }, 12);
        sim.Run(TimeSpan.FromSeconds(5));

        sim.Forward.BytesPerSecond = Rate / 2;
        var followedDown = RunUntil(sim, s => Math.Abs(EstimateBytes(s) - (Rate / 2)) < Rate / 2 * 0.1, TimeSpan.FromSeconds(2));
        var drained = RunUntil(sim, _ => MeanQueueDelay(sim) < Rtt / 4, TimeSpan.FromSeconds(2), resetQueue: true, step: 2 * Rtt);
        ResetQueue(sim);
        var utilizationDown = sim.Utilization(TimeSpan.FromSeconds(2));
        var queueDown = MeanQueueDelay(sim);
        _output.WriteLine($"halved: estimate within 10 % after {followedDown.TotalMilliseconds:0} ms, queue (mean of 100 ms) under RTT/4 after {drained.TotalMilliseconds:0} ms more, then {utilizationDown:P1} with mean queue {queueDown.TotalMilliseconds:0.0} ms");

        sim.Forward.BytesPerSecond = Rate;
        var followedUp = RunUntil(sim, s => EstimateBytes(s) > Rate * 0.9, TimeSpan.FromSeconds(2));
        sim.Run(TimeSpan.FromSeconds(0.5));

        // Five seconds, since a ProbeRTT falls in them (it costs about 2 % of 10 s).
        var utilizationUp = sim.Utilization(TimeSpan.FromSeconds(5));
        _output.WriteLine($"doubled: estimate within 10 % after {followedUp.TotalMilliseconds:0} ms, then {utilizationUp:P1}");

        // "A few RTTs": with the queue that a halved rate builds, the RTT is up to three times the base one, so 20
        // base RTTs are about 7 real ones.
        Assert.True(followedDown <= 20 * Rtt, $"the estimate took {followedDown.TotalMilliseconds:0} ms to follow the rate down");
        Assert.True(followedDown + drained <= 40 * Rtt, $"the queue took {drained.TotalMilliseconds:0} ms more to drain");
        Assert.True(utilizationDown >= 0.95, $"{utilizationDown:P1} of the halved bottleneck");
        Assert.True(queueDown < Rtt / 4, $"mean queueing delay {queueDown.TotalMilliseconds:0.0} ms at the halved rate");
        Assert.True(followedUp <= 20 * Rtt, $"the estimate took {followedUp.TotalMilliseconds:0} ms to follow the rate up");
        Assert.True(utilizationUp >= 0.95, $"{utilizationUp:P1} of the doubled bottleneck");
    }

    [Fact]
    public void Bbr_should_survive_a_ten_second_blackhole_and_resume_at_the_bottleneck_rate()
    {
        using var sim = new PathSimulation(this, MspSettings.Default, Path(0.001), Path(0.001) with { BytesPerSecond = 0 }, 13);
        sim.Run(TimeSpan.FromSeconds(5));
        sim.Forward.Blackhole = true;
        sim.Reverse.Blackhole = true;
        sim.Run(TimeSpan.FromSeconds(10));
        sim.Forward.Blackhole = false;
        sim.Reverse.Blackhole = false;

        var delivered = sim.MessagesDelivered;
        var resumed = RunUntil(sim, s => s.MessagesDelivered > delivered, TimeSpan.FromSeconds(10));
        sim.Run(TimeSpan.FromSeconds(1));
        var utilization = sim.Utilization(TimeSpan.FromSeconds(3));
        var stats = sim.SenderStats();
        _output.WriteLine($"resumed {resumed.TotalMilliseconds:0} ms after the blackhole, then {utilization:P1}; {stats}");

        Assert.False(sim.ReceiverClosed);
        // The RTO backs off while nothing gets through (0.2, 0.4, ... 6.4 s): the next try is at most that late.
        Assert.True(resumed <= TimeSpan.FromSeconds(7), $"resumed only {resumed.TotalSeconds:0.0} s after the blackhole");
        Assert.True(utilization >= 0.95, $"{utilization:P1} of the bottleneck after the blackhole");
        Assert.True(stats.EstimatedBandwidth * sim.DataDatagramSize > Rate * 0.9, "the model survives the outage");
    }

    [Fact]
    public void NewReno_on_the_same_lossy_path_should_fall_far_short_which_is_why_bbr_is_the_default()
    {
        var settings = MspSettings.Default with { CongestionControl = MspCongestionAlgorithm.NewReno };
        using var sim = new PathSimulation(this, settings, Path(0.01), Path(0.01) with { BytesPerSecond = 0 }, 11);
        sim.Run(TimeSpan.FromSeconds(4));
        var utilization = sim.Utilization(TimeSpan.FromSeconds(8));
        _output.WriteLine($"newreno at 1 % loss: {utilization:P1} of the bottleneck");

        Assert.True(utilization < 0.8, $"NewReno reached {utilization:P1}: the simulated path no longer tells the algorithms apart");
    }

    private static double EstimateBytes(PathSimulation sim) => sim.SenderStats().EstimatedBandwidth * sim.DataDatagramSize;

    private static TimeSpan MeanQueueDelay(PathSimulation sim) =>
        TimeSpan.FromTicks(sim.Forward.QueueDelaySamples == 0 ? 0 : sim.Forward.QueueDelayTotal / sim.Forward.QueueDelaySamples);

    private static void ResetQueue(PathSimulation sim)
    {
        sim.Forward.QueueDelayTotal = 0;
        sim.Forward.QueueDelaySamples = 0;
        sim.Forward.QueueDelayMax = 0;
    }

    /// <summary>Runs in steps (10 ms by default) until <paramref name="condition"/> holds; how long that took, or <paramref name="limit"/> plus a step.</summary>
    private static TimeSpan RunUntil(PathSimulation sim, Func<PathSimulation, bool> condition, TimeSpan limit, bool resetQueue = false, TimeSpan? step = null)
    {
        var each = step ?? TimeSpan.FromMilliseconds(10);
        var elapsed = TimeSpan.Zero;
        while (elapsed <= limit)
        {
            if (resetQueue)
            {
                ResetQueue(sim);
            }

            sim.Run(each);
            elapsed += each;
            if (condition(sim))
            {
                return elapsed;
            }
        }

        return elapsed;
    }
}
