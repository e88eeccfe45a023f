using Akka.Actor;

namespace Striper.Tests.Striping;

/// <summary>Creates the actor under test as its child and forwards whatever the child tells its parent to a probe.</summary>
internal sealed class StepParent : ReceiveActor
{
    public StepParent(Props child, IActorRef probe, string name)
    {
        probe.Tell(new ChildIs(Context.ActorOf(child, name)));
        ReceiveAny(message => probe.Forward(message));
    }

    public static Props Props(Props child, IActorRef probe, string name = "child") =>
        Akka.Actor.Props.Create(() => new StepParent(child, probe, name));
}
