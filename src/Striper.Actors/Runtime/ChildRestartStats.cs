namespace Striper.Actors.Runtime;

/// <summary>
/// Per-child bookkeeping kept by the parent: whether the child is on its way out (its name stays
/// reserved until it has really terminated) and how many restarts it has used in the current window.
/// </summary>
internal sealed class ChildRestartStats
{
    private int _restartCount;
    private long _windowStart;

    public ChildRestartStats(LocalActorRef child)
    {
        Child = child;
    }

    public LocalActorRef Child { get; }

    public bool Stopping { get; set; }

    /// <summary>Counts this restart and says whether it is still within the budget.</summary>
    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan window, TimeProvider time)
    {
        if (maxNrOfRetries < 0)
        {
            return true;
        }

        if (maxNrOfRetries == 0)
        {
            return false;
        }

        var hasWindow = window > TimeSpan.Zero && window != Timeout.InfiniteTimeSpan;
        if (hasWindow)
        {
            var now = time.GetTimestamp();
            // The window starts at the first restart and a new one starts once it has run out, so a child
            // that fails rarely is never stopped, while a crash loop is.
            if (_restartCount == 0 || time.GetElapsedTime(_windowStart, now) > window)
            {
                _windowStart = now;
                _restartCount = 1;
                return true;
            }
        }

        _restartCount++;
        return _restartCount <= maxNrOfRetries;
    }
}
