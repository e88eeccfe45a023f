using Akka.Actor;

namespace Striper.Tests.Fuzz;

/// <summary>
/// An actor ref that only remembers what it was told, so a decoder can run synchronously in a property test
/// without an actor system and its output can be checked message by message.
/// </summary>
internal sealed class RecordingRef(string name) : MinimalActorRef
{
    public override ActorPath Path { get; } = new RootActorPath(Address.AllSystems) / name;

    public override IActorRefProvider Provider => throw new NotSupportedException("a recording ref belongs to no actor system");

    public List<object> Messages { get; } = [];

    protected override void TellInternal(object message, IActorRef sender) => Messages.Add(message);
}
