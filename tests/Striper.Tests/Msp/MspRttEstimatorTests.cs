using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

public sealed class MspRttEstimatorTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void MspRttEstimator_should_follow_rfc6298_from_the_first_sample()
    {
        var rtt = new MspRttEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromSeconds(1), rtt.Rto);

        rtt.OnSample(TimeSpan.FromMilliseconds(100), _clock.GetTimestamp(), _clock);

        // SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR = 3R.
        Assert.Equal(TimeSpan.FromMilliseconds(100), rtt.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(50), rtt.RttVariation);
        Assert.Equal(TimeSpan.FromMilliseconds(300), rtt.Rto);

        rtt.OnSample(TimeSpan.FromMilliseconds(200), _clock.GetTimestamp(), _clock);

        // RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5.
        Assert.Equal(TimeSpan.FromMilliseconds(112.5), rtt.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(62.5), rtt.RttVariation);
        Assert.Equal(TimeSpan.FromMilliseconds(362.5), rtt.Rto);
    }

    [Fact]
    public void MspRttEstimator_should_double_on_timeout_up_to_the_maximum_and_reset_on_a_sample()
    {
        var rtt = new MspRttEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

        rtt.OnTimeout();
        Assert.Equal(TimeSpan.FromSeconds(2), rtt.Rto);
        rtt.OnTimeout();
        rtt.OnTimeout();
        Assert.Equal(TimeSpan.FromSeconds(5), rtt.Rto);

        rtt.OnSample(TimeSpan.FromMilliseconds(1), _clock.GetTimestamp(), _clock);
        Assert.Equal(TimeSpan.FromMilliseconds(200), rtt.Rto);
    }
}
