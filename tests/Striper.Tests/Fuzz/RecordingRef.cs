using Striper.Actors.Runtime;

namespace Striper.Tests.Fuzz;

/// <summary>
/// An actor ref that only remembers what it was told, so a decoder can run synchronously in a property test
/// without an actor system and its output can be checked message by message.
/// </summary>
internal sealed class RecordingRef(string path) : IActorRef
{
    public string Path { get; } = path;

    public List<object> Messages { get; } = [];

    public void Tell(object message, IActorRef? sender = null) => Messages.Add(message);
}
