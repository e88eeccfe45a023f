namespace Striper.Actors.Proxy;

/// <summary>
/// Lets at most <see cref="Burst"/> log entries of one kind through per <see cref="Window"/> and counts the rest, so a
/// flood of junk connections costs a few lines and a count instead of a line each (1,000 junk connections used to
/// write 1,000 warnings). Not thread-safe: one actor owns it and reports <see cref="TakeSuppressed"/> itself.
/// </summary>
internal sealed class LogRateLimiter(int burst, TimeSpan window, TimeProvider time)
{
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private long _suppressed;

    public int Burst => burst;

    public TimeSpan Window => window;

    /// <summary>Entries held back since the last <see cref="TakeSuppressed"/>.</summary>
    public long Suppressed => _suppressed;

    /// <summary>True if this entry may be logged; otherwise it is counted as suppressed.</summary>
    public bool TryEnter()
    {
        var now = time.GetTimestamp();
        if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= window)
        {
            _windowStart = now;
            _inWindow = 0;
        }

        if (_inWindow < burst)
        {
            _inWindow++;
            return true;
        }

        _suppressed++;
        return false;
    }

    /// <summary>The count of held-back entries, reset to zero: for one summary line.</summary>
    public long TakeSuppressed()
    {
        var suppressed = _suppressed;
        _suppressed = 0;
        return suppressed;
    }
}
