namespace Striper.Actors.Runtime;

/// <summary>
/// Base class of all actors. The runtime calls one handler at a time, so an actor's fields need no
/// locking; never hand them to other threads. Instances are created only through <see cref="Props"/>.
/// </summary>
public abstract class ActorBase
{
    protected ActorBase()
    {
        // Binding to the cell at construction makes Context and Self usable in the constructor already.
        Cell = ActorCell.Constructing ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by the runtime through Props and ActorOf, not with new");
    }

    internal ActorCell Cell { get; }

    protected IActorContext Context => Cell;

    protected IActorRef Self => Cell.Self;

    /// <summary>Sender of the message being handled, or <see cref="ActorRefs.Nobody"/>.</summary>
    protected IActorRef Sender => Cell.Sender;

    protected ITimerScheduler Timers => Cell.Timers;

    /// <summary>Handles one message; false means unhandled (then <see cref="Unhandled"/> runs).</summary>
    protected internal abstract bool Receive(object message);

    protected virtual void PreStart()
    {
    }

    protected virtual void PostStop()
    {
    }

    /// <summary>
    /// Runs on the failed instance before it is replaced. By default stops (and unwatches) all children,
    /// so the new instance starts from a clean slate, then calls <see cref="PostStop"/>.
    /// </summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Runs on the new instance after a restart; by default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children; <see cref="Props.SupervisorStrategy"/> overrides it.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Runtime.SupervisorStrategy.Default;

    /// <summary>
    /// An unhandled <see cref="Terminated"/> kills the actor with <see cref="DeathPactException"/> (it watched
    /// something and forgot to handle its death); anything else becomes a dead letter.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }

        Cell.PublishUnhandled(message);
    }

    /// <summary>Called once the constructor has returned; ReceiveActor freezes its initial behaviour here.</summary>
    internal virtual void OnConstructed()
    {
    }

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    internal void InvokeUnhandled(object message) => Unhandled(message);
}
