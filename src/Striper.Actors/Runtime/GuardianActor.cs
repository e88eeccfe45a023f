namespace Striper.Actors.Runtime;

/// <summary>
/// The "/user" guardian: the parent of every top-level actor. It handles no messages itself; it exists so
/// top-level actors get a supervisor (the default strategy) like any other actor.
/// </summary>
internal sealed class GuardianActor : ActorBase
{
    protected internal override bool Receive(object message) => false;
}
