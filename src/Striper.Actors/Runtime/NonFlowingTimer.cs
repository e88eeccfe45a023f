namespace Striper.Actors.Runtime;

/// <summary>
/// Creates clock timers without capturing the caller's ExecutionContext: runtime timers outlive the
/// handler that started them and must not keep its AsyncLocals (log scopes, activities) alive.
/// </summary>
internal static class NonFlowingTimer
{
    public static ITimer Create(TimeProvider time, TimerCallback callback, object state, TimeSpan dueTime, TimeSpan period)
    {
        // SuppressFlow throws when flow is already suppressed, and then there is nothing to suppress.
        if (ExecutionContext.IsFlowSuppressed())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }
    }
}
