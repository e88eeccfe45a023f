namespace Striper.Actors.Runtime;

/// <summary>
/// A ref the runtime can send lifecycle signals to. Keeping this separate from <see cref="IActorRef"/>
/// keeps the public contract two members wide, while letting non-actor endpoints (the root, test probes,
/// dead letters) take part in supervision and death watch.
/// </summary>
internal interface IInternalActorRef : IActorRef
{
    void SendSystemMessage(SystemMessage message);
}
