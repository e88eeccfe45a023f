namespace Striper.Actors.Striping;

/// <summary>
/// How far ahead of what its edge has written a Reassembler lets the sender run: a receive window that sizes
/// itself, as TCP's receive-window autotuning does, instead of a constant tuned on a short path.
///
/// The credit a connection needs is its delivery rate times the time credit takes to go round (the path's RTT,
/// plus the time a substream spends recovering a loss while the others' data waits in the reorder buffer). That
/// loop is not known here, but its effect is: a sender that credit holds back stops exactly at a limit it was
/// given. The Reassembler sees that (<see cref="OnArrival"/>'s <c>creditBound</c>) when its edge keeps up, and the
/// reach then doubles (up to the ceiling: the configured credit-window, or the proxy's whole buffer budget), once
/// per credit loop, so a long fat path is filled within a few round trips, as TCP's slow start fills it. A sender
/// held back by the path or its application never stops at a limit, and an edge that does not keep up would only
/// queue more, so neither grows the reach. Nor does a doubling that brought no more through: each one must raise
/// the rate written to the edge over the next credit loop by <see cref="MeaningfulGain"/>, or the reach stays until
/// the next review (a sender that is also held back by its CPU, or by queues in its own sockets, fills any credit
/// and would otherwise take the whole budget for nothing). Below <c>uncheckedUpTo</c> no gain is asked for: on a
/// lossy long path the rate over one loop swings by more than that gain (one substream recovering a loss holds
/// everything behind it for a round trip or more), so the check stopped the reach at a few MiB, once per review,
/// where a 150 ms path at 1 Gbit/s needs about 20 MiB plus what waits out a recovery. Whenever it has not used a quarter of its reach for a
/// whole review period, the reach halves (down to where it started), so a connection that has gone quiet hands its
/// part of the budget back within seconds and a thousand idle ones hold next to nothing.
/// </summary>
internal sealed class CreditReach
{
    /// <summary>How often the use of the reach is reviewed; a quiet connection halves its reach once per period.</summary>
    public static readonly TimeSpan ReviewPeriod = TimeSpan.FromSeconds(1);

    /// <summary>A doubling must raise the rate by this share for the next one to follow.</summary>
    public const double MeaningfulGain = 0.25;

    private readonly long _initial;
    private readonly long _ceiling;
    private readonly long _uncheckedUpTo;
    private long _peakOutstanding;

    // Where the last doubling started: the bytes written then and when, and the rate of the loop before it.
    private long _grownAtWritten;
    private TimeSpan _grownAt;
    private double _rateBeforeGrowth;
    private bool _grown;
    private bool _holding;

    public CreditReach(long initial, long ceiling, long uncheckedUpTo)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initial);
        _ceiling = Math.Max(initial, ceiling);
        _uncheckedUpTo = uncheckedUpTo;
        _initial = initial;
        Current = initial;
    }

    /// <summary>Bytes credit reaches beyond what has been written.</summary>
    public long Current { get; private set; }

    /// <summary>
    /// DATA arrived reaching <paramref name="outstanding"/> bytes beyond what the edge has written (<paramref name="written"/>
    /// so far, at <paramref name="now"/>); <paramref name="creditBound"/> when it shows that credit is what holds the
    /// sender back, the first such arrival since the last doubling whose new limit it reached. True when the reach grew.
    /// </summary>
    public bool OnArrival(long outstanding, bool creditBound, long written, TimeSpan now)
    {
        _peakOutstanding = Math.Max(_peakOutstanding, outstanding);
        if (Current >= _ceiling || !creditBound || _holding)
        {
            return false;
        }

        var elapsed = (now - _grownAt).TotalSeconds;
        var rate = elapsed > 0 ? (written - _grownAtWritten) / elapsed : 0;
        if (_grown && Current >= _uncheckedUpTo && rate < (1 + MeaningfulGain) * _rateBeforeGrowth)
        {
            // The last doubling brought nothing more through: hold until the next review.
            _holding = true;
            return false;
        }

        _grown = true;
        _rateBeforeGrowth = rate;
        _grownAtWritten = written;
        _grownAt = now;
        Current = Math.Min(_ceiling, 2 * Current);
        return true;
    }

    /// <summary>Once per <see cref="ReviewPeriod"/>: true when the reach shrank, because the period used under a quarter of it.</summary>
    public bool Review()
    {
        var used = _peakOutstanding;
        _peakOutstanding = 0;
        _holding = false;
        if (Current <= _initial || used >= Current / 4)
        {
            return false;
        }

        // Quiet: a later burst ramps up again from here, as from the start.
        _grown = false;
        Current = Math.Max(_initial, Current / 2);
        return true;
    }
}
