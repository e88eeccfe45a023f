namespace Striper.Actors.Msp;

/// <summary>
/// Retransmission timeout from measured round trips, RFC 6298: SRTT and RTTVAR from each sample, RTO = SRTT + max(G,
/// 4·RTTVAR) clamped to [min, max], doubled on every expiry until a new sample arrives. Samples come from timestamp
/// echoes, which name the transmission they answer, so Karn's rule (skip retransmitted packets) is not needed.
/// Also keeps the minimum RTT seen in the last <see cref="MinRttWindow"/>, which the congestion control uses.
/// </summary>
internal sealed class MspRttEstimator
{
    private static readonly TimeSpan ClockGranularity = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MinRttWindow = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _minRto;
    private readonly TimeSpan _maxRto;
    private TimeSpan _baseRto;
    private int _backoff;
    private long _minRttStamp;

    public MspRttEstimator(TimeSpan initialRto, TimeSpan minRto, TimeSpan maxRto)
    {
        _minRto = minRto;
        _maxRto = maxRto;
        _baseRto = initialRto;
    }

    public bool HasSample { get; private set; }

    public TimeSpan SmoothedRtt { get; private set; }

    public TimeSpan RttVariation { get; private set; }

    public TimeSpan MinRtt { get; private set; }

    /// <summary>The current timeout including backoff.</summary>
    public TimeSpan Rto
    {
        get
        {
            var rto = _baseRto;
            for (var i = 0; i < _backoff && rto < _maxRto; i++)
            {
                rto += rto;
            }

            return rto > _maxRto ? _maxRto : rto;
        }
    }

    public void OnSample(TimeSpan rtt, long nowTimestamp, TimeProvider clock)
    {
        if (rtt < TimeSpan.Zero)
        {
            return;
        }

        if (!HasSample)
        {
            HasSample = true;
            SmoothedRtt = rtt;
            RttVariation = rtt / 2;
        }
        else
        {
            var error = SmoothedRtt - rtt;
            RttVariation = ((RttVariation * 3) + error.Duration()) / 4;
            SmoothedRtt = ((SmoothedRtt * 7) + rtt) / 8;
        }

        if (MinRtt == TimeSpan.Zero || rtt < MinRtt || clock.GetElapsedTime(_minRttStamp, nowTimestamp) > MinRttWindow)
        {
            MinRtt = rtt;
            _minRttStamp = nowTimestamp;
        }

        var variance = RttVariation * 4;
        var rto = SmoothedRtt + (variance > ClockGranularity ? variance : ClockGranularity);
        _baseRto = rto < _minRto ? _minRto : rto > _maxRto ? _maxRto : rto;
        _backoff = 0;
    }

    /// <summary>The timer expired: back off (RFC 6298 5.5).</summary>
    public void OnTimeout()
    {
        if (Rto < _maxRto)
        {
            _backoff++;
        }
    }
}
