namespace Striper.Actors.Runtime;

/// <summary><see cref="ActorSystem.DeadLetters"/>: anything told to it is published as a dead letter.</summary>
internal sealed class DeadLetterRef : IInternalActorRef
{
    private readonly DeadLetterOffice _office;

    public DeadLetterRef(DeadLetterOffice office, string path)
    {
        _office = office;
        Path = path;
    }

    public string Path { get; }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _office.Publish(message as DeadLetter ?? new DeadLetter(message, sender ?? ActorRefs.Nobody, this));
    }

    // Dead letters are never alive, so watching them reports Terminated at once.
    public void SendSystemMessage(SystemMessage message)
    {
        if (message.Kind == SystemMessageKind.Watch && message.Subject is IInternalActorRef watcher)
        {
            watcher.SendSystemMessage(SystemMessage.DeathWatchNotification(this));
        }
    }

    public override string ToString() => Path;
}
