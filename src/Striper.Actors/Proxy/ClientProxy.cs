using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Services;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;
using Striper.Actors.Socks;

namespace Striper.Actors.Proxy;

/// <summary>
/// The client proxy: one <see cref="ClientSession"/> per accepted application connection. Draining stops its
/// listener, so new connections are refused by the kernel, and waits for the open sessions to end.
/// As a SOCKS front end it first runs each connection's SOCKS handshake (off the mailbox, bounded by the handshake
/// timeout and by max-pending-handshakes at once); a client that gets it wrong is closed, and the others never notice.
/// </summary>
internal sealed partial class ClientProxy : ReceiveActor
{
    // What this proxy has learned about its server (whether it knows session keys), for every session to come.
    private readonly ServerFeatures _serverFeatures = new();
    private readonly HashSet<IActorRef> _open = [];
    private readonly DrainWaiters _drain = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IActorRef _listener;
    private readonly string _peerHost;
    private readonly int _peerPort;
    private readonly StriperSettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly BufferBudget _buffers;
    private readonly IActorRef? _mdpNode;
    private readonly SocksFront? _socks;
    private readonly LogRateLimiter _refusalLog;
    private readonly HashSet<System.Net.Sockets.Socket> _negotiating = [];
    private long _sessions;

    public ClientProxy(
        System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode, SocksFront? socks)
    {
        _peerHost = peerHost;
        _peerPort = peerPort;
        _settings = settings;
        _metrics = metrics;
        _buffers = buffers;
        _mdpNode = mdpNode;
        _socks = socks;
        _refusalLog = new LogRateLimiter(burst: 10, TimeSpan.FromSeconds(1), Context.Clock());
        _listener = Context.ActorOf(Listener.Props(listenSocket), "listener");
        Receive<ProxyProtocol.Accepted>(m => OnAccepted(m.Socket));
        Receive<ProxyProtocol.SocksRequested>(m =>
        {
            _negotiating.Remove(m.Socket);
            if (_drain.IsDraining)
            {
                m.Socket.Dispose();
                return;
            }

            StartSession(m.Socket, m.Target);
        });
        Receive<ProxyProtocol.SocksFailed>(m =>
        {
            _negotiating.Remove(m.Socket);
            m.Socket.Dispose();
            if (_refusalLog.TryEnter())
            {
                var logger = Context.Logger();
                if (_refusalLog.TakeSuppressed() is > 0 and var suppressed)
                {
                    Log.SocksRefusalsNotLogged(logger, suppressed);
                }

                Log.SocksRefused(logger, m.Remote, m.Reason);
            }
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

    /// <param name="socks">With it, every accepted connection speaks SOCKS5 first and names its own target.</param>
    public static Props Props(
        System.Net.Sockets.Socket listenSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode = null, SocksFront? socks = null) =>
        Akka.Actor.Props.Create(() => new ClientProxy(listenSocket, peerHost, peerPort, settings, metrics, buffers, mdpNode, socks));

    /// <summary>A failed session is stopped, never restarted: its sockets cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PostStop()
    {
        // SOCKS handshakes still running end now; their answers would come to nobody, so their sockets are closed here.
        _stopping.Cancel();
        _stopping.Dispose();
        foreach (var socket in _negotiating)
        {
            socket.Dispose();
        }
    }

    private void OnAccepted(System.Net.Sockets.Socket socket)
    {
        if (_drain.IsDraining)
        {
            // Accepted just before the listener stopped: the application sees its connection closed.
            socket.Dispose();
            return;
        }

        if (_socks is null)
        {
            StartSession(socket, null);
            return;
        }

        if (_negotiating.Count >= _settings.MaxPendingHandshakes)
        {
            // A flood of half-open SOCKS clients costs bounded sockets: the rest are closed at once.
            _metrics.ConnectionShed();
            socket.Dispose();
            return;
        }

        _negotiating.Add(socket);
        var remote = SocketFactory.Describe(socket);
        Socks5Negotiator.NegotiateAsync(socket, _socks.Users, _settings.HandshakeTimeout, _stopping.Token)
            .PipeTo(
                Self,
                success: target => new ProxyProtocol.SocksRequested(socket, target),
                failure: error => new ProxyProtocol.SocksFailed(socket, remote, error.Message));
    }

    private void StartSession(System.Net.Sockets.Socket socket, HostPort? socksTarget)
    {
        var session = Context.ActorOf(ClientSession.Props(socket, _peerHost, _peerPort, _settings, _metrics, _buffers, _mdpNode, socksTarget, _serverFeatures), $"session-{++_sessions}");
        Context.Watch(session);
        _open.Add(session);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "SOCKS client {Remote} closed: {Reason}")]
        public static partial void SocksRefused(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 331, Level = LogLevel.Information, Message = "{Count} more SOCKS clients were closed for their handshakes; not logged one by one")]
        public static partial void SocksRefusalsNotLogged(ILogger logger, long count);
    }
}
