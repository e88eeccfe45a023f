namespace Striper.Actors.Runtime;

/// <summary>
/// Stands in for "no sender". Replies to it are dropped without a dead-letter entry because replying to
/// Nobody is normal (e.g. a message sent from outside any actor), not a sign of a lost message.
/// </summary>
internal sealed class NobodyRef : IInternalActorRef
{
    public string Path => "striper://nobody";

    public void Tell(object message, IActorRef? sender = null)
    {
    }

    // Nobody is never alive, so a watcher must hear about that at once instead of waiting forever.
    public void SendSystemMessage(SystemMessage message)
    {
        if (message.Kind == SystemMessageKind.Watch && message.Subject is IInternalActorRef watcher)
        {
            watcher.SendSystemMessage(SystemMessage.DeathWatchNotification(this));
        }
    }

    public override string ToString() => Path;
}
