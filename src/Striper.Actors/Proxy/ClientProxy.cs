using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;

namespace Striper.Actors.Proxy;

/// <summary>The client proxy: one <see cref="ClientSession"/> per accepted application connection.</summary>
internal sealed class ClientProxy : ReceiveActor
{
    private long _sessions;

    public ClientProxy(System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode)
    {
        Context.ActorOf(Listener.Props(listenSocket), "listener");
        Receive<ProxyProtocol.Accepted>(m =>
            Context.ActorOf(ClientSession.Props(m.Socket, peerHost, peerPort, settings, metrics, buffers, mdpNode), $"session-{++_sessions}"));
    }

    public static Props Props(System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode = null) =>
        Akka.Actor.Props.Create(() => new ClientProxy(listenSocket, peerHost, peerPort, settings, metrics, buffers, mdpNode));

    /// <summary>A failed session is stopped, never restarted: its sockets cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
}
