namespace Striper.Actors.Runtime;

/// <summary>
/// Decides what happens to a failed child. Only <see cref="OneForOneStrategy"/> exists (the constructor is
/// not public): it is all the proxy needs, and it keeps the restart-budget bookkeeping in one place.
/// </summary>
public abstract class SupervisorStrategy
{
    private protected SupervisorStrategy()
    {
    }

    /// <summary>Restart on any exception, except initialization, Kill and death-pact failures, which stop.</summary>
    public static SupervisorStrategy Default { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stop a child on any failure.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(static _ => Directive.Stop);

    /// <summary>The decider behind <see cref="Default"/>, for custom deciders that only special-case a few types.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>The raw decision for <paramref name="cause"/>, before any restart budget is applied.</summary>
    public abstract Directive Decide(Exception cause);

    /// <summary>The decision after the restart budget: an exhausted Restart becomes Stop.</summary>
    internal abstract Directive HandleFailure(ChildRestartStats stats, Exception cause, TimeProvider time);
}
