namespace Striper.Actors.Runtime;

/// <summary>
/// The public face of an <see cref="ActorCell"/>: one instance per actor, so reference equality is actor
/// identity. Tell goes straight to the mailbox to keep the hot path at one enqueue.
/// </summary>
internal sealed class LocalActorRef : IInternalActorRef
{
    private readonly Mailbox _mailbox;

    public LocalActorRef(ActorCell cell, Mailbox mailbox, string path, string name)
    {
        Cell = cell;
        _mailbox = mailbox;
        Path = path;
        Name = name;
    }

    public string Path { get; }

    public string Name { get; }

    internal ActorCell Cell { get; }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _mailbox.Post(message, sender);
    }

    public void SendSystemMessage(SystemMessage message) => _mailbox.PostSystem(message);

    public override string ToString() => Path;
}
