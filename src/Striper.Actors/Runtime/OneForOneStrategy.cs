namespace Striper.Actors.Runtime;

/// <summary>Applies the decider to the failed child only; its siblings are not affected.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <param name="maxNrOfRetries">Restarts allowed within the window; negative means unlimited.</param>
    /// <param name="withinTimeRange">The window; zero or infinite means "over the child's lifetime".</param>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    public int MaxNrOfRetries { get; }

    public TimeSpan WithinTimeRange { get; }

    public override Directive Decide(Exception cause) => _decider(cause);

    internal override Directive HandleFailure(ChildRestartStats stats, Exception cause, TimeProvider time)
    {
        var directive = Decide(cause);
        if (directive == Directive.Restart && !stats.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, time))
        {
            return Directive.Stop;
        }

        return directive;
    }
}
