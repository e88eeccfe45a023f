namespace Striper.Actors.Runtime;

/// <summary>
/// A lifecycle signal. A struct with a kind tag instead of a class per signal: the runtime needs only a
/// few shapes, and this keeps the whole protocol readable in one place.
/// </summary>
internal readonly struct SystemMessage
{
    private SystemMessage(SystemMessageKind kind, IActorRef? subject, Exception? cause)
    {
        Kind = kind;
        Subject = subject;
        Cause = cause;
    }

    public SystemMessageKind Kind { get; }

    /// <summary>The failed child, the watcher, or the terminated actor, depending on <see cref="Kind"/>.</summary>
    public IActorRef? Subject { get; }

    public Exception? Cause { get; }

    public static SystemMessage Create() => new(SystemMessageKind.Create, null, null);

    public static SystemMessage Terminate() => new(SystemMessageKind.Terminate, null, null);

    public static SystemMessage Resume() => new(SystemMessageKind.Resume, null, null);

    public static SystemMessage Recreate(Exception cause) => new(SystemMessageKind.Recreate, null, cause);

    public static SystemMessage Failed(IActorRef child, Exception cause) => new(SystemMessageKind.Failed, child, cause);

    public static SystemMessage Watch(IActorRef watcher) => new(SystemMessageKind.Watch, watcher, null);

    public static SystemMessage Unwatch(IActorRef watcher) => new(SystemMessageKind.Unwatch, watcher, null);

    public static SystemMessage DeathWatchNotification(IActorRef terminated) =>
        new(SystemMessageKind.DeathWatchNotification, terminated, null);

    public override string ToString() => $"{Kind}({Subject?.Path})";
}
