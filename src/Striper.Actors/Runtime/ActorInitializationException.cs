namespace Striper.Actors.Runtime;

/// <summary>
/// The actor's constructor, PreStart or PostRestart threw. The default strategy stops such an actor:
/// restarting would most likely fail the same way.
/// </summary>
public sealed class ActorInitializationException : Exception
{
    public ActorInitializationException()
    {
    }

    public ActorInitializationException(string message)
        : base(message)
    {
    }

    public ActorInitializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal ActorInitializationException(IActorRef actor, Exception innerException)
        : base($"Actor {actor.Path} failed to initialize: {innerException.Message}", innerException)
    {
        Actor = actor;
    }

    public IActorRef? Actor { get; }
}
