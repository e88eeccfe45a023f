namespace Striper.Actors.Msp;

/// <summary>
/// Loss-based congestion control (striper.msp.congestion-control = westwood or newreno): NewReno's window rules (slow start, one packet per RTT in congestion avoidance, one reduction
/// per recovery episode that ends when the cumulative ack passes the highest sequence sent at its start, restart from
/// one packet after a timeout) with the decrease of TCP Westwood+: after a loss the window falls to the estimated
/// bandwidth-delay product (a low-pass filtered delivery rate per RTT times the minimum RTT), but never by more than
/// half, as in Reno. Without <c>westwood</c> the decrease is plain NewReno's halving. The default is
/// <see cref="MspBbrCongestionControl"/>; this one stays for comparison and for paths where a loss-based response is
/// wanted.
/// <para>
/// Why not CUBIC: MSP runs over lossy multi-hop radio (Serval's mesh) and here over loopback, where many losses are
/// not congestion. Reno and CUBIC both read every loss as congestion, so 5 % random loss holds them to a handful of
/// packets per RTT. Westwood+ was designed for exactly that case: random losses leave the delivery rate, hence the
/// window, nearly unchanged, while a real queue raises the RTT above its minimum, so the same rule drains it. Its
/// state is three numbers, and the NewReno skeleton keeps it easy to reason about and to test deterministically.
/// </para>
/// </summary>
internal sealed class MspNewRenoCongestionControl : IMspCongestionControl
{
    private const double SlowStartPacingGain = 2.0;
    private const double AvoidancePacingGain = 1.25;
    private static readonly TimeSpan MinBandwidthInterval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MinSlowStartDelayRise = TimeSpan.FromMilliseconds(4);

    private readonly int _minWindow;
    private readonly int _maxWindow;
    private readonly TimeProvider _clock;
    private readonly bool _westwood;
    private long _lost;
    private long _delivered;
    private long _recoveryPoint;
    private bool _afterTimeout;
    private long _sampleDelivered;
    private long _sampleStart = -1;

    public MspNewRenoCongestionControl(int initialWindow, int minWindow, int maxWindow, TimeProvider clock, bool westwood)
    {
        _clock = clock;
        _westwood = westwood;
        _minWindow = Math.Max(1, minWindow);
        _maxWindow = Math.Max(_minWindow, maxWindow);
        Window = Math.Clamp(initialWindow, 1, _maxWindow);
        SlowStartThreshold = _maxWindow;
    }

    public MspCongestionAlgorithm Algorithm => _westwood ? MspCongestionAlgorithm.Westwood : MspCongestionAlgorithm.NewReno;

    /// <summary>Packets that may be in flight.</summary>
    public double Window { get; private set; }

    /// <summary>Packets declared lost over all packets delivered or lost, over the stream's life.</summary>
    public double LossRate => _lost + _delivered == 0 ? 0 : (double)_lost / (_lost + _delivered);

    public string Phase => InRecovery ? "recovery" : Window < SlowStartThreshold ? "slow-start" : "avoidance";

    public double SlowStartThreshold { get; private set; }

    public bool InRecovery { get; private set; }

    /// <summary>Delivery rate in packets per second (Westwood+'s bandwidth estimate); 0 until measured.</summary>
    public double Bandwidth { get; private set; }

    public void OnAck(in MspAckSample ack, MspRttEstimator rtt)
    {
        _delivered += ack.Delivered;
        OnDelivered(ack.Delivered, ack.CumulativeAck, ack.Now, _clock, rtt);
    }

    public void OnPacketLost(long highestSent, int inFlight, MspRttEstimator rtt)
    {
        _lost++;
        OnLoss(highestSent, rtt);
    }

    /// <summary>Packets newly acknowledged or SACKed, with the cumulative ack after them.</summary>
    public void OnDelivered(int packets, long cumulativeAck, long now, TimeProvider clock, MspRttEstimator rtt)
    {
        if (InRecovery && cumulativeAck > _recoveryPoint)
        {
            InRecovery = false;
            _afterTimeout = false;
        }

        if (packets <= 0)
        {
            return;
        }

        SampleBandwidth(packets, now, clock, rtt);
        if (InRecovery && !_afterTimeout)
        {
            return;
        }

        // HyStart-style exit: once the RTT has risen clearly above its minimum a queue is building, so stop doubling
        // before the overshoot (on loopback: thousands of packets queued in a mailbox, tens of ms of RTT).
        if (Window < SlowStartThreshold && rtt.HasSample)
        {
            var rise = rtt.MinRtt / 8 > MinSlowStartDelayRise ? rtt.MinRtt / 8 : MinSlowStartDelayRise;
            if (rtt.SmoothedRtt > rtt.MinRtt + rise)
            {
                SlowStartThreshold = Window;
            }
        }

        Window += Window < SlowStartThreshold ? packets : packets / Window;
        if (Window > _maxWindow)
        {
            Window = _maxWindow;
        }
    }

    /// <summary>A loss was detected by SACK or duplicate acks; <paramref name="highestSent"/> ends the recovery episode.</summary>
    public void OnLoss(long highestSent, MspRttEstimator rtt)
    {
        if (InRecovery)
        {
            return;
        }

        InRecovery = true;
        _recoveryPoint = highestSent;
        SlowStartThreshold = Reduced(rtt);
        Window = SlowStartThreshold;
    }

    public void OnTimeout(long highestSent, MspRttEstimator rtt)
    {
        // Repeated timeouts of one episode must not keep lowering the threshold from an already collapsed window.
        if (!_afterTimeout)
        {
            SlowStartThreshold = Reduced(rtt);
        }

        Window = 1;
        InRecovery = true;
        _afterTimeout = true;
        _recoveryPoint = highestSent;
    }

    /// <summary>Packets per second to pace at: the window spread over the smoothed RTT, with headroom to grow; infinite before an RTT sample.</summary>
    public double PacingRate(MspRttEstimator rtt)
    {
        var srtt = rtt.SmoothedRtt.TotalSeconds;
        if (!rtt.HasSample || srtt <= 0)
        {
            return double.PositiveInfinity;
        }

        var gain = Window < SlowStartThreshold ? SlowStartPacingGain : AvoidancePacingGain;
        return gain * Window / srtt;
    }

    private double Reduced(MspRttEstimator rtt)
    {
        if (!_westwood)
        {
            return Math.Max(_minWindow, Window / 2);
        }

        var bdp = Bandwidth * rtt.MinRtt.TotalSeconds;
        return Math.Max(_minWindow, Math.Max(Window / 2, Math.Min(Window, bdp)));
    }

    private void SampleBandwidth(int packets, long now, TimeProvider clock, MspRttEstimator rtt)
    {
        if (_sampleStart < 0)
        {
            _sampleStart = now;
            return;
        }

        _sampleDelivered += packets;
        var elapsed = clock.GetElapsedTime(_sampleStart, now);
        var interval = rtt.SmoothedRtt > MinBandwidthInterval ? rtt.SmoothedRtt : MinBandwidthInterval;
        if (elapsed < interval)
        {
            return;
        }

        var sample = _sampleDelivered / elapsed.TotalSeconds;
        Bandwidth = Bandwidth == 0 ? sample : ((Bandwidth * 7) + sample) / 8;
        _sampleDelivered = 0;
        _sampleStart = now;
    }
}
