namespace Striper.Actors.Runtime;

/// <summary>Delivered to a watcher once the watched actor has stopped. The Sender is the dead actor.</summary>
public sealed record Terminated(IActorRef ActorRef);
