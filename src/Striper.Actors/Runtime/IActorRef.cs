namespace Striper.Actors.Runtime;

/// <summary>
/// A handle to an actor or actor-like endpoint. Refs are cheap to share and <see cref="Tell"/> may be
/// called from any thread (socket loops tell actors directly).
/// </summary>
public interface IActorRef
{
    string Path { get; }

    /// <summary>Enqueues <paramref name="message"/>; never blocks and never runs the receiver inline.</summary>
    void Tell(object message, IActorRef? sender = null);
}
