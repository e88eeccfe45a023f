namespace Striper.Actors.Striping;

/// <summary>
/// How far ahead of what its edge has written a Reassembler lets the sender run: a receive window that sizes
/// itself, as TCP's receive-window autotuning does, instead of a constant tuned on a short path.
///
/// The credit a connection needs is its delivery rate times the time credit takes to go round (the path's RTT,
/// plus the time a substream spends recovering a loss while the others' data waits in the reorder buffer). That
/// loop is not known here, but its effect is: a sender that credit holds back has nearly all of it out, so data
/// arrives more than half the reach beyond what was written. Then the reach doubles (up to the ceiling: the
/// configured credit-window, or the proxy's whole buffer budget), which takes one credit loop per doubling, so a
/// long fat path is filled within a few round trips. Whenever it has not used a quarter of its reach for a whole
/// review period, the reach halves (down to where it started), so a connection that has gone quiet hands its part
/// of the budget back within seconds and a thousand idle ones hold next to nothing.
/// </summary>
internal sealed class CreditReach
{
    /// <summary>How often the use of the reach is reviewed; a quiet connection halves its reach once per period.</summary>
    public static readonly TimeSpan ReviewPeriod = TimeSpan.FromSeconds(1);

    private readonly long _initial;
    private readonly long _ceiling;
    private long _peakOutstanding;

    public CreditReach(long initial, long ceiling)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initial);
        _ceiling = Math.Max(initial, ceiling);
        _initial = initial;
        Current = initial;
    }

    /// <summary>Bytes credit reaches beyond what has been written.</summary>
    public long Current { get; private set; }

    /// <summary>
    /// DATA arrived reaching <paramref name="outstanding"/> bytes beyond what the edge has written. True when the
    /// reach grew: the sender had used more than half of it, so credit is what holds it back.
    /// </summary>
    public bool OnArrival(long outstanding)
    {
        _peakOutstanding = Math.Max(_peakOutstanding, outstanding);
        if (Current >= _ceiling || outstanding <= Current / 2)
        {
            return false;
        }

        Current = Math.Min(_ceiling, 2 * Current);
        return true;
    }

    /// <summary>Once per <see cref="ReviewPeriod"/>: true when the reach shrank, because the period used under a quarter of it.</summary>
    public bool Review()
    {
        var used = _peakOutstanding;
        _peakOutstanding = 0;
        if (Current <= _initial || used >= Current / 4)
        {
            return false;
        }

        Current = Math.Max(_initial, Current / 2);
        return true;
    }
}
