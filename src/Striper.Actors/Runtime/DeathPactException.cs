namespace Striper.Actors.Runtime;

/// <summary>
/// An actor watched another and did not handle its <see cref="Terminated"/>: by default a watcher dies
/// with what it watched, so forgotten dependencies fail loudly instead of silently.
/// </summary>
public sealed class DeathPactException : Exception
{
    public DeathPactException()
    {
    }

    public DeathPactException(string message)
        : base(message)
    {
    }

    public DeathPactException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal DeathPactException(IActorRef deadActor)
        : base($"Monitored actor {deadActor.Path} terminated and its Terminated message was not handled")
    {
        DeadActor = deadActor;
    }

    public IActorRef? DeadActor { get; }
}
