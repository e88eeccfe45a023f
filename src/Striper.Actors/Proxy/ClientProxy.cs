using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;

namespace Striper.Actors.Proxy;

/// <summary>
/// The client proxy: one <see cref="ClientSession"/> per accepted application connection. Draining stops its
/// listener, so new connections are refused by the kernel, and waits for the open sessions to end.
/// </summary>
internal sealed class ClientProxy : ReceiveActor
{
    private readonly HashSet<IActorRef> _open = [];
    private readonly DrainWaiters _drain = new();
    private readonly IActorRef _listener;
    private long _sessions;

    public ClientProxy(System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode)
    {
        _listener = Context.ActorOf(Listener.Props(listenSocket), "listener");
        Receive<ProxyProtocol.Accepted>(m =>
        {
            if (_drain.IsDraining)
            {
                // Accepted just before the listener stopped: the application sees its connection closed.
                m.Socket.Dispose();
                return;
            }

            var session = Context.ActorOf(ClientSession.Props(m.Socket, peerHost, peerPort, settings, metrics, buffers, mdpNode), $"session-{++_sessions}");
            Context.Watch(session);
            _open.Add(session);
        });
        Receive<ProxyProtocol.Drain>(_ =>
        {
            // Closed here, not only when the listener has stopped: once Draining is answered, connecting is refused.
            listenSocket.Dispose();
            Context.Stop(_listener);
            _drain.Start(Sender);
        });
        Receive<ProxyProtocol.WhenDrained>(_ => _drain.Add(Sender, _open.Count));
        Receive<Terminated>(m =>
        {
            if (_open.Remove(m.ActorRef))
            {
                _drain.SessionsLeft(_open.Count);
            }
        });
    }

    public static Props Props(System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode = null) =>
        Akka.Actor.Props.Create(() => new ClientProxy(listenSocket, peerHost, peerPort, settings, metrics, buffers, mdpNode));

    /// <summary>A failed session is stopped, never restarted: its sockets cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
}
