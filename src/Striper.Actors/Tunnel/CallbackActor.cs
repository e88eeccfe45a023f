using Akka.Actor;

namespace Striper.Actors.Tunnel;

/// <summary>Hands every message to a callback: how code outside the actor system (a command's runner) hears reports.</summary>
internal sealed class CallbackActor : ReceiveActor
{
    public CallbackActor(Action<object> callback) => ReceiveAny(callback);

    public static Props Props(Action<object> callback) => Akka.Actor.Props.Create(() => new CallbackActor(callback));
}
