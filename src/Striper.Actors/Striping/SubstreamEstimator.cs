namespace Striper.Actors.Striping;

/// <summary>
/// What the Striper knows about one substream's path, learned from its acknowledgements:
/// smoothed RTT and variance (RFC 6298 gains), minimum RTT, and delivery rate.
///
/// The delivery rate is the best recent sample, decaying by half each second: a substream that is only
/// briefly starved of data keeps its estimate, while one whose path really slowed loses it within seconds.
/// Samples span at least one smoothed RTT, so a burst of ACKs cannot inflate them.
/// </summary>
internal sealed class SubstreamEstimator
{
    /// <summary>Rate assumed before the first sample: low enough that unknown substreams fill evenly, not greedily.</summary>
    public const double InitialRate = 1_000_000;

    private static readonly TimeSpan MinSampleInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RateHalfLife = TimeSpan.FromSeconds(1);

    private long _sampleStartTimestamp;
    private long _sampleStartAcked;
    private long _rateTimestamp;

    public TimeSpan? SmoothedRtt { get; private set; }

    public TimeSpan RttVariance { get; private set; }

    public TimeSpan? MinRtt { get; private set; }

    /// <summary>Bytes per second, 0 until the first sample.</summary>
    public double DeliveryRate { get; private set; }

    public void Start(long now)
    {
        _sampleStartTimestamp = now;
        _rateTimestamp = now;
    }

    public void OnRttSample(TimeSpan rtt)
    {
        if (rtt < TimeSpan.Zero)
        {
            return;
        }

        MinRtt = MinRtt is { } min && min < rtt ? min : rtt;
        if (SmoothedRtt is not { } srtt)
        {
            SmoothedRtt = rtt;
            RttVariance = rtt / 2;
            return;
        }

        RttVariance = (0.75 * RttVariance) + (0.25 * (srtt - rtt).Duration());
        SmoothedRtt = (0.875 * srtt) + (0.125 * rtt);
    }

    /// <summary>Called when the substream's cumulative acknowledged count has grown to <paramref name="acked"/>.</summary>
    public void OnAcked(long acked, long now, TimeProvider clock)
    {
        var interval = clock.GetElapsedTime(_sampleStartTimestamp, now);
        var minimum = SmoothedRtt is { } srtt && srtt > MinSampleInterval ? srtt : MinSampleInterval;
        if (interval < minimum)
        {
            return;
        }

        var sample = (acked - _sampleStartAcked) / interval.TotalSeconds;
        var decayed = DecayedRate(now, clock);
        DeliveryRate = Math.Max(sample, decayed);
        _rateTimestamp = now;
        _sampleStartTimestamp = now;
        _sampleStartAcked = acked;
    }

    /// <summary>The rate to plan with now: the estimate decayed for the time since it was last confirmed.</summary>
    public double PlanningRate(long now, TimeProvider clock) =>
        DeliveryRate > 0 ? Math.Max(DecayedRate(now, clock), 1) : InitialRate;

    private double DecayedRate(long now, TimeProvider clock)
    {
        var age = clock.GetElapsedTime(_rateTimestamp, now);
        return DeliveryRate * Math.Pow(0.5, age / RateHalfLife);
    }
}
