namespace Striper.Actors.Striping;

/// <summary>
/// Sizes an auto-striped connection (<c>--stripes auto</c>) from what it carries, nothing else: no path model,
/// no guess at the throttle. It is fed the bytes the connection's substreams carried (both directions) every tick and
/// answers with the number of substreams the connection should run.
///
/// A connection starts with <see cref="InitialCount"/>. While it is busy (it moved at least
/// <see cref="BusyBytesPerSecond"/> in the last window), the controller tries more substreams (twice as many while it
/// first finds its count, half as many more later) and compares the rate after they have settled with the rate before:
/// - a gain below <see cref="MeaningfulGain"/> of the rate: they are closed again and the settled count's rate is
///   measured once more (it may have fallen meanwhile on its own: a slow start's overshoot, a lossy path's flows
///   settling). Still no gain against it: they add nothing (the path, not the flows, is the limit, or the application
///   is), and the next try is a quarter fewer; a gain against it: they come back, and more are tried;
/// - any more: they are kept and more are tried, up to the maximum. A gain short of what the new substreams would add
///   if each were capped may mean a nearly full path or merely slower new substreams (a throttle that caps some flows
///   harder); only the next step tells, so it is taken. (Never more than double: two dozen new connections at once
///   take longer to reach their rate than a step waits, and read as no gain at all.)
/// A try with a quarter fewer keeps them if the rate stays within <see cref="VerifyTolerance"/> (and trims again next
/// time); otherwise the count comes back. Tries come <see cref="FirstRetry"/> apart, twice as far after each that
/// changed nothing (up to <see cref="LongestRetry"/>), so a path that opens up later is found, substreams that add
/// nothing are closed, and a settled connection is mostly left alone.
/// </summary>
internal sealed class StripeController
{
    /// <summary>Where an auto-sized connection starts: enough for an unthrottled path, a fast start under a cap.</summary>
    public const int InitialCount = 4;

    /// <summary>
    /// Where a bulk transfer (<see cref="BulkBytes"/> carried before the first decision) over a round trip of at least
    /// <see cref="LongPathRtt"/> goes at once, instead of measuring 4 first. On such a path each of the controller's
    /// steps takes seconds and every new TCP connection a second or more to reach its rate, while a 15 s transfer
    /// through parallel TCP flows has all of them ramping from the start; starting at 4 (150 ms, 1 % loss, BBR) cost
    /// a third of what the path carried over the first 15 s. Substreams that add nothing are closed by later tries;
    /// a connection that carries little (a shell) stays at 4.
    /// </summary>
    public const int LongPathInitialCount = 16;

    /// <summary>A round trip from which a bulk transfer goes to <see cref="LongPathInitialCount"/> at once.</summary>
    public static readonly TimeSpan LongPathRtt = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Carried before the first decision, this makes a connection a bulk transfer: a shell or a request carries less
    /// in its first seconds, while 1 MiB took BBR's four first substreams over 150 ms at 1 % loss more than the first
    /// decision's two seconds.
    /// </summary>
    public const long BulkBytes = 256 * 1024;

    /// <summary>Below this a connection is not busy (a shell, a trickle) and its count is left alone.</summary>
    public const double BusyBytesPerSecond = 256 * 1024;


    /// <summary>A try with fewer substreams keeps them if it keeps at least this share of the rate; otherwise it is undone.</summary>
    public const double VerifyTolerance = 0.05;


    /// <summary>A gain below this share of the rate is noise, not a reason to keep a substream.</summary>
    public const double MeaningfulGain = 0.10;

    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(80);

    // New substreams need a moment to reach their rate (their TCP slow start, the Striper's first rate samples),
    // and a window must be long enough to average out a throttle's bursts. Bytes carried reach a new level within one
    // tick in the lab; every step of the first ramp is time spent at too few substreams, so its windows are short:
    // 200 ms samples there vary by about a twentieth, and the first ramp's gains are mostly 40 % or more.
    private static readonly TimeSpan MinimumSettle = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MinimumWindow = TimeSpan.FromMilliseconds(400);

    // Once the count has settled, later tries measure for longer: they are rare, so they may take their time, and the
    // gains they judge are small.
    private const int LaterSettleStretch = 2;
    private const int LaterWindowStretch = 3;

    /// <summary>
    /// A try up whose gain reads within this of <see cref="MeaningfulGain"/> either way is measured for a second
    /// window before it is judged: a short window's noise could otherwise keep substreams that add nothing on a full
    /// path (where a step reads about zero) or undo a real gain.
    /// </summary>
    public const double CloseCall = 0.10;

    /// <summary>
    /// A recheck that finds the settled count's rate fallen by more than this share since its baseline shows a
    /// connection still finding its rate (a slow start's overshoot ending, a lossy path's flows sinking to what their
    /// loss allows, new substreams still recovering their first losses): the probe measured against a moving target,
    /// so it is tried again against the rate now instead of being judged.
    /// </summary>
    public const double UnsteadyFall = 0.20;

    /// <summary>
    /// While a connection on a path of at least <see cref="BigStepRtt"/> first finds its count, a probe that added at
    /// least this share of what its new substreams would add if each carried as much as the old ones (each flow, not
    /// the path, is the limit: a per-flow throttle, or loss on a long path) is followed by one four times as large
    /// rather than twice: on a 150 ms path each step takes about three seconds, and such a path may need 64 (at 1 %
    /// loss under CUBIC, 64 reached after 9 s instead of 14). On a shorter path a step takes a fraction of a second,
    /// and the larger step would only overshoot what the path needs, for the later tries to trim.
    /// </summary>
    public const double NearlyLinear = 0.75;

    /// <summary>Paths with at least this RTT take the larger steps of <see cref="NearlyLinear"/>: their steps are the slow ones.</summary>
    public static readonly TimeSpan BigStepRtt = TimeSpan.FromMilliseconds(50);

    /// <summary>How many times in a row a probe is tried again because its connection had not settled.</summary>
    public const int MostRetriedProbes = 2;

    private readonly int _max;
    private Phase _phase = Phase.Baseline;
    private TimeSpan _phaseStart;
    private long _windowStartBytes;
    private TimeSpan _windowStart;
    private bool _windowOpen;
    private bool _windowExtended;
    private int _settledCount;
    private double _settledRate;
    private TimeSpan _retryWait = FirstRetry;

    private bool _settledOnce;

    // Whether the next try should be a quarter fewer (the last try up added nothing, or the last try down held).
    private bool _nextTryFewer;

    // The count and rate of the last try, which a recheck or a verification compares with.
    private int _triedCount;
    private double _triedRate;

    private TimeSpan _rtt;

    // Probes tried again in a row because the connection had not settled (see UnsteadyFall).
    private int _retriedProbes;

    public StripeController(int max, TimeSpan now)
    {
        _max = Math.Max(1, max);
        Count = Math.Min(InitialCount, _max);
        _settledCount = Count;
        _phaseStart = now;
    }

    private enum Phase
    {
        /// <summary>Measuring the rate at the settled count.</summary>
        Baseline,

        /// <summary>Measuring the rate with more substreams than the settled count.</summary>
        Probe,

        /// <summary>Measuring the rate at the settled count again after a probe that read no gain.</summary>
        Recheck,

        /// <summary>Measuring the rate after cutting a probe back to the count the path seems to need.</summary>
        Verify,

        /// <summary>Waiting before the next try.</summary>
        Hold,
    }

    /// <summary>Substreams the connection should run now.</summary>
    public int Count { get; private set; }

    /// <summary>The last decision, for the log: what was measured and why the count is what it is.</summary>
    public string? LastDecision { get; private set; }

    /// <summary>
    /// Feeds the bytes the connection's substreams carried so far (both directions) at <paramref name="now"/>; returns true when
    /// <see cref="Count"/> changed. <paramref name="rtt"/> is the path's round trip (the substreams' largest minimum
    /// RTT): windows stretch with it, since a new TCP connection needs some round trips to reach its rate.
    /// </summary>
    public bool OnTick(long carriedBytes, TimeSpan now, TimeSpan rtt)
    {
        _rtt = rtt;
        if (LastDecision is null && rtt >= LongPathRtt && carriedBytes >= BulkBytes && Count < LongPathInitialCount && Count < _max)
        {
            Count = Math.Min(LongPathInitialCount, _max);
            LastDecision = $"a bulk transfer over a {rtt.TotalMilliseconds:0} ms path: starting with {Count}";
            StartPhase(Phase.Baseline, now);
            return true;
        }

        var settle = (_settledOnce ? LaterSettleStretch : 1) * Max(MinimumSettle, 4 * rtt);
        var window = (_settledOnce ? LaterWindowStretch : 1) * Max(MinimumWindow, 8 * rtt);
        if (_phase == Phase.Hold)
        {
            if (now - _phaseStart < _retryWait)
            {
                return false;
            }

            StartPhase(Phase.Baseline, now);
        }

        // Each phase first lets the substreams settle (new ones ramp up, closed ones drain), then measures.
        if (!_windowOpen)
        {
            if (now - _phaseStart < settle)
            {
                return false;
            }

            _windowOpen = true;
            _windowStart = now;
            _windowStartBytes = carriedBytes;
            return false;
        }

        if (now - _windowStart < (_windowExtended ? 2 : 1) * window)
        {
            return false;
        }

        var rate = (carriedBytes - _windowStartBytes) / (now - _windowStart).TotalSeconds;
        if (_phase == Phase.Probe && !_windowExtended && Math.Abs(Gain(rate) - MeaningfulGain) < CloseCall)
        {
            _windowExtended = true;
            return false;
        }
        return _phase switch
        {
            Phase.Baseline => OnBaseline(rate, now),
            Phase.Probe => OnProbe(rate, now),
            Phase.Recheck => OnRecheck(rate, now),
            _ => OnVerify(rate, now),
        };
    }

    /// <summary>
    /// Which of <paramref name="active"/> to close first when the count goes down: one not up yet (nothing to lose),
    /// else the one with the lowest delivery rate (<paramref name="rate"/>: null for one not up), the highest index
    /// of equals. Under a throttle that caps some flows harder, a cut then keeps the fast paths: a step back from 32
    /// to 16 keeps the best 16 of 32, and a try with fewer drops the slow ones first, where closing the highest
    /// indices cost a quarter to a third of the rate in the lab's heterogeneous runs.
    /// </summary>
    public static int NextToRetire(IEnumerable<int> active, Func<int, double?> rate)
    {
        var chosen = -1;
        var lowest = double.MaxValue;
        foreach (var index in active)
        {
            var r = rate(index) ?? -1;
            if (r < lowest || (r == lowest && index > chosen))
            {
                chosen = index;
                lowest = r;
            }
        }

        return chosen;
    }

    private bool OnBaseline(double rate, TimeSpan now)
    {
        _settledRate = rate;
        if (rate < BusyBytesPerSecond)
        {
            // Idle: look again later.
            StartPhase(Phase.Hold, now);
            return false;
        }

        if (Count >= _max || _nextTryFewer)
        {
            // Nothing more to try upwards, or the last try up added nothing: the count may be more than the path
            // needs, so a quarter fewer are tried, and kept if the rate holds. A quarter, not half: where the count is
            // needed, the try costs that share of the rate for a while.
            var fewer = Count * 3 / 4;
            if (fewer < InitialCount)
            {
                _nextTryFewer = false;
                StartPhase(Phase.Hold, now);
                return false;
            }

            _triedCount = Count;
            _triedRate = rate;
            Count = fewer;
            StartPhase(Phase.Verify, now);
            LastDecision = $"{Rate(rate)} with {_triedCount}; trying {Count}";
            return true;
        }

        _settledCount = Count;
        Count = Larger(Count);
        StartPhase(Phase.Probe, now);
        LastDecision = $"{Rate(rate)} with {_settledCount}; trying {Count}";
        return true;
    }

    private bool OnProbe(double rate, TimeSpan now)
    {
        var before = _settledCount;
        var tried = Count;
        var gain = Gain(rate);
        var measured = $"{Rate(rate)} with {tried}, {gain:P0} more than with {before}";
        if (gain < MeaningfulGain)
        {
            // Judged only once the settled count's rate has been measured again, after the probe.
            _triedCount = tried;
            _triedRate = rate;
            Count = before;
            LastDecision = $"{measured}: back to {before}, measuring it again";
            StartPhase(Phase.Recheck, now);
            return true;
        }

        // They added something. All they would if each were capped means the flows, not the path, were the limit;
        // less may mean a nearly full path or merely slower new substreams (a throttle that caps some flows harder).
        // Either way only the next step tells: they are kept, and more are tried.
        _retryWait = FirstRetry;
        var bigStep = _rtt >= BigStepRtt && gain >= NearlyLinear * (((double)tried / before) - 1);
        return GrowFrom(tried, rate, measured, now, bigStep);
    }

    /// <summary>
    /// Back at the settled count after a probe that read no gain. The baseline was measured before the probe, and a
    /// connection's rate can fall meanwhile on its own: a slow start's overshoot ends at the first losses, and on a lossy
    /// path every flow's rate sinks to what its loss rate allows over its first seconds. Measured against the rate
    /// now, the probe may have added after all: then its count comes back and more are tried. If the rate now is well
    /// below the baseline (<see cref="UnsteadyFall"/>), the connection had not settled, and the probe is tried again
    /// against it. Otherwise it added nothing: the next try, twice as late, is a quarter fewer.
    /// </summary>
    private bool OnRecheck(double rate, TimeSpan now)
    {
        var tried = _triedCount;
        if (_triedRate >= rate * (1 + MeaningfulGain))
        {
            _retryWait = FirstRetry;
            return GrowFrom(tried, _triedRate, $"{Rate(rate)} back with {Count}, less than {Rate(_triedRate)} with {tried}", now, bigStep: false);
        }

        if (rate < _settledRate * (1 - UnsteadyFall) && _retriedProbes < MostRetriedProbes)
        {
            _retriedProbes++;
            LastDecision = $"{Rate(rate)} back with {Count}, down from {Rate(_settledRate)}: not settled yet, trying {tried} again";
            _settledRate = rate;
            Count = tried;
            StartPhase(Phase.Probe, now);
            return true;
        }

        _retriedProbes = 0;
        _settledRate = rate;
        _nextTryFewer = true;
        LastDecision = $"{Rate(rate)} back with {Count}, as much as {Rate(_triedRate)} with {tried}: keeping {Count}";
        HoldLonger(now);
        return false;
    }

    /// <summary>
    /// After trying a quarter fewer: kept if the rate held (and the next try trims again); otherwise the count comes
    /// back, and the next try, twice as late, is one up.
    /// </summary>
    private bool OnVerify(double rate, TimeSpan now)
    {
        var fewer = Count;
        if (rate >= _triedRate * (1 - VerifyTolerance))
        {
            _settledCount = fewer;
            _settledRate = rate;
            LastDecision = $"{Rate(rate)} with {fewer}, as much as with {_triedCount}: keeping {fewer}";
            StartPhase(Phase.Hold, now);
            return false;
        }

        Count = _triedCount;
        _settledCount = _triedCount;
        _settledRate = _triedRate;
        _nextTryFewer = false;
        LastDecision = $"{Rate(rate)} with {fewer}, less than {Rate(_triedRate)} with {_triedCount}: back to {_triedCount}";
        HoldLonger(now);
        return true;
    }

    /// <summary>A try that changed nothing: the next one comes twice as late (up to <see cref="LongestRetry"/>).</summary>
    private void HoldLonger(TimeSpan now)
    {
        _retryWait = Min(2 * _retryWait, LongestRetry);
        StartPhase(Phase.Hold, now);
    }

    /// <summary>
    /// The next count to try: twice as many while the connection first finds its count, half as many more once it has
    /// settled. New substreams cost while they ramp up (in the lab, going from 16 to 32 on a path that 16 fill cost a
    /// quarter of the rate for the step), and a later try is more often one that adds nothing.
    /// </summary>
    private int Larger(int count, bool bigStep = false) =>
        Math.Min(_settledOnce ? count + Math.Max(1, count / 2) : (bigStep ? 4 : 2) * count, _max);

    /// <summary>Keeps <paramref name="count"/> substreams and tries more (<see cref="Larger"/>), or holds at the maximum.</summary>
    private bool GrowFrom(int count, double rate, string measured, TimeSpan now, bool bigStep)
    {
        var before = Count;
        _retriedProbes = 0;
        _settledCount = count;
        _settledRate = rate;
        if (count >= _max)
        {
            Count = count;
            LastDecision = $"{measured}: keeping {count}, the most allowed";
            StartPhase(Phase.Hold, now);
            return Count != before;
        }

        Count = Larger(count, bigStep);
        LastDecision = $"{measured}: keeping {count}, trying {Count}";
        StartPhase(Phase.Probe, now);
        return Count != before;
    }

    /// <summary>What <paramref name="rate"/> adds to the settled count's rate, as a share of it.</summary>
    private double Gain(double rate) => _settledRate > 0 ? (rate / _settledRate) - 1 : 0;

    private void StartPhase(Phase phase, TimeSpan now)
    {
        _windowExtended = false;
        _settledOnce |= phase == Phase.Hold;
        _phase = phase;
        _phaseStart = now;
        _windowOpen = false;
    }

    private static string Rate(double bytesPerSecond) => $"{bytesPerSecond * 8 / 1e6:0.0} Mbit/s";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
