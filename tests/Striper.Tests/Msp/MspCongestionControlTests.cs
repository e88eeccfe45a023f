using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

public sealed class MspCongestionControlTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly MspRttEstimator _rtt = new(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(60));

    [Fact]
    public void Westwood_should_grow_by_one_per_packet_in_slow_start_and_by_one_per_window_after()
    {
        var cc = new MspNewRenoCongestionControl(10, 2, 1000, _clock, westwood: true);

        cc.OnDelivered(10, 10, _clock.GetTimestamp(), _clock, _rtt);
        Assert.Equal(20, cc.Window);

        cc.OnLoss(19, _rtt);
        Assert.Equal(10, cc.Window);
        cc.OnDelivered(10, 20, _clock.GetTimestamp(), _clock, _rtt);
        Assert.False(cc.InRecovery);
        Assert.Equal(11, cc.Window, 3);
    }

    [Fact]
    public void Westwood_should_reduce_once_per_recovery_episode()
    {
        var cc = new MspNewRenoCongestionControl(40, 2, 1000, _clock, westwood: true);

        cc.OnLoss(100, _rtt);
        cc.OnLoss(100, _rtt);
        cc.OnDelivered(1, 50, _clock.GetTimestamp(), _clock, _rtt);

        Assert.Equal(20, cc.Window);
        Assert.True(cc.InRecovery);
    }

    [Fact]
    public void Westwood_should_keep_the_window_at_the_measured_bandwidth_delay_product_after_a_random_loss()
    {
        // Window pinned at 100 packets, delivered every 10 ms RTT: 10 000 packets/s, BDP at the minimum RTT = 100.
        var cc = new MspNewRenoCongestionControl(100, 2, 100, _clock, westwood: true);
        _rtt.OnSample(TimeSpan.FromMilliseconds(10), _clock.GetTimestamp(), _clock);
        cc.OnDelivered(1, 1, _clock.GetTimestamp(), _clock, _rtt);
        for (var i = 0; i < 20; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(10));
            cc.OnDelivered(100, 100 * (i + 1), _clock.GetTimestamp(), _clock, _rtt);
        }

        cc.OnLoss(10_000, _rtt);

        // Reno would halve to 50; the path still delivers 100 per RTT, so the window stays there.
        Assert.InRange(cc.Bandwidth, 9_000, 11_000);
        Assert.True(cc.Window >= 95, $"window {cc.Window} after a random loss");
    }

    [Fact]
    public void Westwood_should_restart_from_one_packet_after_a_timeout()
    {
        var cc = new MspNewRenoCongestionControl(40, 2, 1000, _clock, westwood: true);

        cc.OnTimeout(50, _rtt);

        Assert.Equal(1, cc.Window);
        Assert.Equal(20, cc.SlowStartThreshold);
        cc.OnDelivered(1, 1, _clock.GetTimestamp(), _clock, _rtt);
        Assert.Equal(2, cc.Window);
    }
}
