namespace Striper.Actors.Runtime;

public static class ActorRefs
{
    /// <summary>The "no sender" ref: anything told to it is dropped silently.</summary>
    public static IActorRef Nobody { get; } = new NobodyRef();
}
