namespace Striper.Actors.Msp;

/// <summary>
/// Model-based congestion control after BBR (v1's model and gain cycle, v2/v3's bounded loss response), the default
/// (striper.msp.congestion-control = bbr). It keeps two numbers about the path and sends by them instead of reading
/// every loss as congestion:
/// <list type="bullet">
/// <item><b>Bottleneck bandwidth</b>: the largest delivery-rate sample (<see cref="MspDeliveryRate"/>) of the last
/// <see cref="BandwidthWindowRounds"/> round trips. App-limited samples count only when they raise it.</item>
/// <item><b>Minimum RTT</b> over <see cref="MinRttWindow"/>; when it has not been seen again for that long, ProbeRTT
/// cuts in-flight to half a BDP for <see cref="ProbeRttDuration"/> so that a queue, if any, drains and the true
/// minimum shows.</item>
/// </list>
/// Phases: <b>Startup</b> paces at <see cref="StartupGain"/> × bandwidth (the rate doubles each round) until the
/// bandwidth has not grown by <see cref="FullBandwidthGrowth"/> for <see cref="FullBandwidthRounds"/> rounds (or a
/// round shows congestion); <b>Drain</b> paces at its inverse until in-flight is down to one BDP; <b>ProbeBW</b>
/// cycles the pacing gain through 1.25, 0.75 and six rounds of 1 (one min RTT each): the 1.25 round looks for more
/// bandwidth, the 0.75 round drains the queue it made. When a probe found <see cref="ReprobeGrowth"/> more
/// bandwidth, the next probe follows at once instead of after six cruising rounds, so a path that doubles is followed
/// within a few round trips. In-flight is capped at <see cref="CwndGain"/> × BDP + <see cref="QuantumPackets"/>.
/// <para>
/// <b>Loss</b> is congestion only when a round loses more than <see cref="LossThreshold"/> of its packets (at least
/// <see cref="MinCongestionLosses"/>) while a queue shows: the round's smallest RTT sample is above the minimum by
/// <see cref="QueueDelayGain"/> × min RTT (at least <see cref="MinQueueDelay"/>). Random loss on an uncongested path
/// comes without a queue, so it leaves the model alone at any rate; a drop-tail queue that overflows shows both. Then
/// in-flight is capped at <see cref="Beta"/> × what was in flight at the first loss (inflight_hi), the bandwidth
/// estimate falls to the last round's delivery rate, by at most 1 - Beta per round (v3's bw_lo: a path that slowed is
/// believed within a few rounds; the same happens when a queue outlives <see cref="StandingQueueRounds"/> rounds
/// without loss, which only an estimate above the path's rate keeps up), and the cap is
/// relaxed by 1, 2, 4, … packets per round without congestion. After an RTO the window restarts from one packet and
/// grows by what each ack delivers (doubling per round) back to the model's target: the model itself is kept, since a
/// timeout says nothing about the bandwidth.
/// </para>
/// </summary>
internal sealed class MspBbrCongestionControl : IMspCongestionControl
{
    /// <summary>2/ln 2: the smallest gain that still doubles the delivery rate every round (BBR's startup gain).</summary>
    public const double StartupGain = 2.885;

    /// <summary>Drains in one round the queue startup's last round made.</summary>
    public const double DrainGain = 1 / StartupGain;

    /// <summary>In-flight cap in ProbeBW, in BDPs: room for delayed and aggregated acks without starving the pipe.</summary>
    public const double CwndGain = 2.0;

    public const double ProbeUpGain = 1.25;

    public const double ProbeDownGain = 0.75;

    /// <summary>Phases of the ProbeBW cycle: up, down, then six at 1.</summary>
    public const int CycleLength = 8;

    /// <summary>Startup ends when the bandwidth has grown by less than this for <see cref="FullBandwidthRounds"/> rounds.</summary>
    public const double FullBandwidthGrowth = 1.25;

    public const int FullBandwidthRounds = 3;

    /// <summary>Round trips the bandwidth max-filter remembers.</summary>
    public const int BandwidthWindowRounds = 10;

    /// <summary>A probe that found this much more bandwidth is followed by another at once.</summary>
    public const double ReprobeGrowth = 1.1;

    /// <summary>
    /// Packets added to the in-flight cap: inside a burst the receiver acknowledges every 8 packets (docs/MSP.md,
    /// "Over MDP"), so up to 8 can be delivered and not yet acknowledged.
    /// </summary>
    public const int QuantumPackets = 8;

    /// <summary>The window never falls below this (BBR's minimum: enough for delayed acks to keep coming).</summary>
    public const int MinWindow = 4;

    /// <summary>
    /// Loss rate in a round above which loss counts as congestion (BBRv2/v3 and draft-ietf-ccwg-bbr use 2 %), and only
    /// when a queue shows: random loss without a queue never counts.
    /// </summary>
    public const double LossThreshold = 0.02;

    /// <summary>Losses a round needs before its rate is trusted (one loss in a 20-packet round is not 5 % congestion).</summary>
    public const int MinCongestionLosses = 3;

    /// <summary>Rounds in a row with a queue (and no loss to speak of) after which the estimate follows the delivery rate down.</summary>
    public const int StandingQueueRounds = 3;

    /// <summary>Congestion caps in-flight at this fraction of what was in flight at the first loss (BBRv2/v3's beta).</summary>
    public const double Beta = 0.7;

    /// <summary>A queue shows when a round's smallest RTT is above the minimum by this fraction of it.</summary>
    public const double QueueDelayGain = 0.25;

    /// <summary>... and by at least this much: timer granularity and ack coalescing jitter are not a queue.</summary>
    public static readonly TimeSpan MinQueueDelay = TimeSpan.FromMilliseconds(1);

    public static readonly TimeSpan MinRttWindow = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan ProbeRttDuration = TimeSpan.FromMilliseconds(200);

    /// <summary>ProbeRTT's in-flight cap, in BDPs (BBRv2: half a BDP keeps half the rate while the queue drains).</summary>
    public const double ProbeRttGain = 0.5;

    /// <summary>The down phase ends when in-flight is down to one BDP, or after this many min RTTs at the latest.</summary>
    public const int MaxDrainRtts = 4;

    private static readonly double[] CycleGains = [ProbeUpGain, ProbeDownGain, 1, 1, 1, 1, 1, 1];

    private readonly int _initialWindow;
    private readonly int _maxWindow;
    private readonly TimeProvider _clock;
    private readonly double[] _bandwidthSlots = new double[BandwidthWindowRounds];

    private Mode _mode = Mode.Startup;
    private long _roundCount;
    private long _nextRoundDelivered;
    private bool _filledPipe;
    private double _fullBandwidth;
    private int _fullBandwidthRounds;
    private double _pacingGain = StartupGain;
    private double _startupPacingRate;
    private int _cycleIndex;
    private long _cycleStamp;
    private double _bandwidthAtProbe;

    private TimeSpan _minRtt;
    private long _minRttStamp;
    private long _probeRttDone;
    private bool _probeRttRoundDone;
    private TimeSpan _probeRttMinRtt = TimeSpan.MaxValue;
    private double _windowBeforeProbeRtt;

    private double _window;
    private double _inflightHigh = double.PositiveInfinity;
    private double _inflightHighStep = 1;

    private long _congestionGuardRound;
    private int _queuedRounds;
    private int _roundLost;
    private int _roundDelivered;
    private int _roundInflightAtLoss = -1;
    private TimeSpan _roundMinRtt = TimeSpan.MaxValue;

    public MspBbrCongestionControl(int initialWindow, int maxWindow, TimeProvider clock, int seed)
    {
        _maxWindow = Math.Max(MinWindow, maxWindow);
        _initialWindow = Math.Clamp(initialWindow, 1, _maxWindow);
        _window = _initialWindow;
        _clock = clock;

        // Where a stream enters the gain cycle: anywhere but the down phase (BBR), so streams that start together
        // do not probe in step.
        _cycleIndex = new Random(seed).Next(CycleLength - 1);
        if (_cycleIndex >= 1)
        {
            _cycleIndex++;
        }
    }

    private enum Mode
    {
        Startup,
        Drain,
        ProbeBw,
        ProbeRtt,
    }

    public MspCongestionAlgorithm Algorithm => MspCongestionAlgorithm.Bbr;

    public double Window => Math.Clamp(Math.Min(_mode == Mode.ProbeRtt ? Math.Min(_window, ProbeRttWindow) : _window, _inflightHigh), 1, _maxWindow);

    public double Bandwidth { get; private set; }

    public double LossRate { get; private set; }

    /// <summary>The minimum RTT the model uses (zero until measured).</summary>
    public TimeSpan MinRtt => _minRtt;

    /// <summary>The cap congestion put on in-flight, or infinity.</summary>
    public double InflightHigh => _inflightHigh;

    public string Phase => _mode switch
    {
        Mode.Startup => "startup",
        Mode.Drain => "drain",
        Mode.ProbeRtt => "probe-rtt",
        _ => _cycleIndex switch
        {
            0 => "probe-bw up",
            1 => "probe-bw down",
            _ => "probe-bw cruise",
        },
    };

    /// <summary>Bandwidth × minimum RTT, in packets; 0 until both are known.</summary>
    public double Bdp => Bandwidth * _minRtt.TotalSeconds;

    private double ProbeRttWindow => Math.Max(MinWindow, ProbeRttGain * Bdp);

    public double PacingRate(MspRttEstimator rtt)
    {
        if (Bandwidth <= 0)
        {
            var srtt = rtt.SmoothedRtt.TotalSeconds;
            return rtt.HasSample && srtt > 0 ? StartupGain * _window / srtt : double.PositiveInfinity;
        }

        var rate = _pacingGain * Bandwidth;
        if (_mode == Mode.Startup)
        {
            // Startup never slows down: an early low sample must not undo the doubling.
            _startupPacingRate = Math.Max(_startupPacingRate, rate);
            return _startupPacingRate;
        }

        return rate;
    }

    public void OnAck(in MspAckSample ack, MspRttEstimator rtt)
    {
        var roundStart = false;
        if (ack.PriorDelivered >= 0 && ack.PriorDelivered >= _nextRoundDelivered)
        {
            _nextRoundDelivered = ack.TotalDelivered;
            _roundCount++;
            roundStart = true;
            EndRound();
        }

        _roundDelivered += ack.Delivered;
        if (ack.Rtt > TimeSpan.Zero && ack.Rtt < _roundMinRtt)
        {
            _roundMinRtt = ack.Rtt;
        }

        UpdateBandwidth(ack, roundStart);
        UpdateMinRtt(ack);
        switch (_mode)
        {
            case Mode.Startup:
                CheckFullBandwidth(ack, roundStart);
                break;
            case Mode.Drain:
                if (ack.InFlight <= Bdp)
                {
                    EnterProbeBw(ack.Now);
                }

                break;
            case Mode.ProbeBw:
                AdvanceCycle(ack);
                break;
            case Mode.ProbeRtt:
                break;
        }

        CheckProbeRtt(ack, roundStart);
        UpdateWindow(ack);
    }

    public void OnPacketLost(long highestSent, int inFlight, MspRttEstimator rtt)
    {
        _roundLost++;
        if (_roundInflightAtLoss < 0)
        {
            _roundInflightAtLoss = inFlight;
        }
    }

    public void OnTimeout(long highestSent, MspRttEstimator rtt)
    {
        // Restart conservatively but keep the model: the window grows back by what each ack delivers.
        _window = 1;
        if (_mode == Mode.ProbeBw && _cycleIndex == 0)
        {
            _cycleIndex = 1;
            _pacingGain = ProbeDownGain;
        }
    }

    private void EndRound()
    {
        var total = _roundLost + _roundDelivered;
        var rate = total == 0 ? 0 : (double)_roundLost / total;
        LossRate = ((LossRate * 7) + rate) / 8;
        var queueDelay = Math.Max(_minRtt.TotalSeconds * QueueDelayGain, MinQueueDelay.TotalSeconds);
        var queued = _roundMinRtt != TimeSpan.MaxValue && _minRtt > TimeSpan.Zero && (_roundMinRtt - _minRtt).TotalSeconds > queueDelay;
        _queuedRounds = queued ? _queuedRounds + 1 : 0;
        if (_roundLost >= MinCongestionLosses && rate > LossThreshold && queued && _roundCount > _congestionGuardRound)
        {
            OnCongestion();
        }
        else if (_queuedRounds >= StandingQueueRounds && _mode == Mode.ProbeBw)
        {
            // A queue that outlives several rounds, gain cycle and all, without loss: the estimate is above what the
            // path delivers (it slowed, and the max filter still remembers the old rate), so keep what it delivers.
            LowerBandwidthToLatestRound();
        }
        else if (!double.IsPositiveInfinity(_inflightHigh))
        {
            _inflightHigh += _inflightHighStep;
            _inflightHighStep = Math.Min(_inflightHighStep * 2, _maxWindow);
            if (_inflightHigh >= _maxWindow || (Bdp > 0 && _inflightHigh > 2 * TargetWindow(CwndGain)))
            {
                _inflightHigh = double.PositiveInfinity;
            }
        }

        _roundLost = 0;
        _roundDelivered = 0;
        _roundInflightAtLoss = -1;
        _roundMinRtt = TimeSpan.MaxValue;
    }

    private void OnCongestion()
    {
        // Once per round trip of packets sent after the cut: the losses of the round in flight were sent before it.
        _congestionGuardRound = _roundCount + 1;
        var before = _roundInflightAtLoss > 0 ? _roundInflightAtLoss : _window;
        _inflightHigh = Math.Max(MinWindow, Beta * Math.Min(before, Window));
        _inflightHighStep = 1;

        LowerBandwidthToLatestRound();
        if (_mode == Mode.Startup)
        {
            _filledPipe = true;
            _mode = Mode.Drain;
            _pacingGain = DrainGain;
        }
        else if (_mode == Mode.ProbeBw && _cycleIndex == 0)
        {
            _cycleIndex = 1;
            _pacingGain = ProbeDownGain;
            _cycleStamp = _clock.GetTimestamp();
        }
    }

    /// <summary>
    /// Believe a slower path soon (BBRv3's bw_lo): the estimate drops to the last round's delivery rate, but by no
    /// more than 1 - Beta a round, since a round with losses also delivers in fits and starts.
    /// </summary>
    private void LowerBandwidthToLatestRound()
    {
        _queuedRounds = 0;
        var latest = _bandwidthSlots[(_roundCount - 1) % BandwidthWindowRounds];
        var cap = Math.Max(latest, Beta * Bandwidth);
        for (var i = 0; i < _bandwidthSlots.Length; i++)
        {
            _bandwidthSlots[i] = Math.Min(_bandwidthSlots[i], cap);
        }

        var max = _bandwidthSlots.Max();
        if (max > 0)
        {
            Bandwidth = max;
        }
    }

    private void UpdateBandwidth(in MspAckSample ack, bool roundStart)
    {
        var slot = _roundCount % BandwidthWindowRounds;
        if (roundStart)
        {
            _bandwidthSlots[slot] = 0;
        }

        if (ack.DeliveryRate > 0 && (!ack.AppLimited || ack.DeliveryRate >= Bandwidth) && ack.DeliveryRate > _bandwidthSlots[slot])
        {
            _bandwidthSlots[slot] = ack.DeliveryRate;
        }

        // Rounds without a usable sample (an outage, a stalled recovery) forget nothing: the last estimate stays.
        var max = _bandwidthSlots.Max();
        if (max > 0)
        {
            Bandwidth = max;
        }
    }

    private void UpdateMinRtt(in MspAckSample ack)
    {
        if (ack.Rtt <= TimeSpan.Zero)
        {
            return;
        }

        if (_mode == Mode.ProbeRtt && ack.Rtt < _probeRttMinRtt)
        {
            _probeRttMinRtt = ack.Rtt;
        }

        if (_minRtt == TimeSpan.Zero || ack.Rtt <= _minRtt)
        {
            _minRtt = ack.Rtt;
            _minRttStamp = ack.Now;
        }
    }

    private void CheckFullBandwidth(in MspAckSample ack, bool roundStart)
    {
        if (!roundStart || ack.AppLimited || _filledPipe)
        {
            return;
        }

        if (Bandwidth >= _fullBandwidth * FullBandwidthGrowth)
        {
            _fullBandwidth = Bandwidth;
            _fullBandwidthRounds = 0;
            return;
        }

        if (++_fullBandwidthRounds >= FullBandwidthRounds)
        {
            _filledPipe = true;
            _mode = Mode.Drain;
            _pacingGain = DrainGain;
        }
    }

    private void EnterProbeBw(long now)
    {
        _mode = Mode.ProbeBw;
        _cycleStamp = now;
        if (_cycleIndex == 0)
        {
            _bandwidthAtProbe = Bandwidth;
        }

        _pacingGain = CycleGains[_cycleIndex];
    }

    private void AdvanceCycle(in MspAckSample ack)
    {
        var bdp = Bdp;
        var fullLength = _clock.GetElapsedTime(_cycleStamp, ack.Now) > _minRtt;
        var next = _pacingGain switch
        {
            > 1 => fullLength && (_roundLost > 0 || ack.InFlight >= _pacingGain * bdp),
            // Down stays until the queue is gone, not just one min RTT (BBRv2): with a path that slowed, or after
            // ProbeRTT, a standing queue would otherwise outlive every cycle.
            < 1 => ack.InFlight <= bdp || _clock.GetElapsedTime(_cycleStamp, ack.Now) > MaxDrainRtts * _minRtt,
            _ => fullLength,
        };
        if (!next)
        {
            return;
        }

        if (_cycleIndex == 1 && Bandwidth >= _bandwidthAtProbe * ReprobeGrowth)
        {
            // The probe found room: look for more now rather than after six cruising rounds.
            _cycleIndex = 0;
        }
        else
        {
            _cycleIndex = (_cycleIndex + 1) % CycleLength;
        }

        if (_cycleIndex == 0)
        {
            _bandwidthAtProbe = Bandwidth;
        }

        _cycleStamp = ack.Now;
        _pacingGain = CycleGains[_cycleIndex];
    }

    private void CheckProbeRtt(in MspAckSample ack, bool roundStart)
    {
        if (_mode != Mode.ProbeRtt && _minRtt > TimeSpan.Zero && _clock.GetElapsedTime(_minRttStamp, ack.Now) > MinRttWindow)
        {
            _mode = Mode.ProbeRtt;
            _pacingGain = 1;
            _probeRttDone = 0;
            _probeRttMinRtt = TimeSpan.MaxValue;
            _windowBeforeProbeRtt = _window;
            return;
        }

        if (_mode != Mode.ProbeRtt)
        {
            return;
        }

        if (_probeRttDone == 0)
        {
            if (ack.InFlight <= ProbeRttWindow)
            {
                _probeRttDone = ack.Now + (long)(ProbeRttDuration.TotalSeconds * _clock.TimestampFrequency);
                _probeRttRoundDone = false;
                _nextRoundDelivered = ack.TotalDelivered;
            }

            return;
        }

        _probeRttRoundDone |= roundStart;
        if (_probeRttRoundDone && ack.Now >= _probeRttDone)
        {
            // What the drained path showed is the minimum now, even if the path got longer.
            if (_probeRttMinRtt != TimeSpan.MaxValue)
            {
                _minRtt = _probeRttMinRtt;
            }

            _minRttStamp = ack.Now;
            _window = Math.Max(_window, _windowBeforeProbeRtt);
            if (_filledPipe)
            {
                EnterProbeBw(ack.Now);
            }
            else
            {
                _mode = Mode.Startup;
                _pacingGain = StartupGain;
            }
        }
    }

    private double TargetWindow(double gain) => Bdp > 0 ? (gain * Bdp) + QuantumPackets : _initialWindow;

    private void UpdateWindow(in MspAckSample ack)
    {
        var target = TargetWindow(_mode == Mode.Startup ? StartupGain : CwndGain);
        if (_filledPipe)
        {
            _window = Math.Min(_window + ack.Delivered, target);
        }
        else if (_window < target || ack.TotalDelivered < _initialWindow)
        {
            _window += ack.Delivered;
        }

        _window = Math.Clamp(_window, MinWindow, _maxWindow);
    }
}
