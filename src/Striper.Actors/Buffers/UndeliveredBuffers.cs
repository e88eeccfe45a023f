using Akka.Actor;
using Akka.Event;

namespace Striper.Actors.Buffers;

/// <summary>
/// Listens on the event stream for every message that was not delivered (sent to a stopped actor, left in its
/// mailbox when it stopped, or not handled) and gives back what it carried (<see cref="IOwnsResources"/>): nobody took
/// those buffers over, so without this they would be left to the garbage collector and the memory-limit budget would
/// never see them again. One per actor system, started with <see cref="Services.StriperServices"/>.
/// </summary>
internal sealed class UndeliveredBuffers : ReceiveActor
{
    public UndeliveredBuffers()
    {
        Receive<AllDeadLetters>(letter =>
        {
            if (letter.Message is IOwnsResources owned)
            {
                owned.ReleaseUndelivered();
            }
        });
    }

    public static void Start(ExtendedActorSystem system)
    {
        var listener = system.SystemActorOf(Props.Create<UndeliveredBuffers>(), "undelivered-buffers");
        system.EventStream.Subscribe(listener, typeof(AllDeadLetters));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
