using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Proxy.ProxyProtocol;

namespace Striper.Actors.Proxy;

/// <summary>
/// The server proxy: reads each accepted substream's handshake (off the mailbox, bounded by the handshake timeout)
/// and groups substreams by session id. OPEN creates a <see cref="ServerSession"/>; JOIN goes to the existing one.
/// Anything malformed or unknown is answered, logged and closed, and touches no other session.
/// </summary>
internal sealed partial class ServerProxy : ReceiveActor
{
    private readonly StriperSettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly Dictionary<Guid, IActorRef> _sessions = [];
    private readonly Dictionary<IActorRef, Guid> _sessionIds = [];

    public ServerProxy(Socket listenSocket, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics)
    {
        _settings = settings;
        _metrics = metrics;
        _targetHost = targetHost;
        _targetPort = targetPort;
        Context.ActorOf(Listener.Props(listenSocket), "listener");
        Receive<Accepted>(OnAccepted);
        Receive<HandshakeRead>(OnHandshake);
        Receive<HandshakeInvalid>(m =>
        {
            Log.HandshakeRejected(Context.Log, m.Remote, m.Reason);
            SubstreamRejector.Reject(m.Socket, HandshakeStatus.BadHandshake, _settings.HandshakeTimeout);
        });
        Receive<Terminated>(m =>
        {
            if (_sessionIds.Remove(m.ActorRef, out var id))
            {
                _sessions.Remove(id);
            }
        });
    }

    public static Props Props(Socket listenSocket, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics) =>
        Runtime.Props.Create(() => new ServerProxy(listenSocket, targetHost, targetPort, settings, metrics));

    protected override SupervisorStrategy SupervisorStrategy() => Runtime.SupervisorStrategy.StoppingStrategy;

    private void OnAccepted(Accepted message)
    {
        var socket = message.Socket;
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        ReadHandshakeAsync(socket, _settings.HandshakeTimeout)
            .PipeTo(Self, handshake => new HandshakeRead(socket, handshake), error => new HandshakeInvalid(socket, remote, error.Message));
    }

    private static async Task<Handshake> ReadHandshakeAsync(Socket socket, TimeSpan timeout)
    {
        var bytes = new byte[Handshake.Size];
        await SocketFactory.ReadExactlyAsync(socket, bytes, timeout, "handshake");
        return Handshake.TryRead(bytes, out var handshake, out var error) ? handshake : throw new InvalidDataException(error);
    }

    private void OnHandshake(HandshakeRead message)
    {
        var (socket, handshake) = (message.Socket, message.Handshake);
        if (handshake.Kind == HandshakeKind.Join)
        {
            if (_sessions.TryGetValue(handshake.SessionId, out var session))
            {
                session.Tell(new SessionProtocol.JoinSubstream(socket, handshake));
            }
            else
            {
                Refuse(socket, handshake, HandshakeStatus.UnknownSession);
            }

            return;
        }

        if (_sessions.ContainsKey(handshake.SessionId))
        {
            Refuse(socket, handshake, HandshakeStatus.Conflict);
            return;
        }

        if (_sessions.Count >= _settings.MaxSessions)
        {
            Refuse(socket, handshake, HandshakeStatus.TooManySessions);
            return;
        }

        var child = Context.ActorOf(ServerSession.Props(socket, handshake, _targetHost, _targetPort, _settings, _metrics), $"session-{handshake.SessionId:N}");
        Context.Watch(child);
        _sessions[handshake.SessionId] = child;
        _sessionIds[child] = handshake.SessionId;
    }

    private void Refuse(Socket socket, Handshake handshake, HandshakeStatus status)
    {
        Log.SubstreamRefused(Context.Log, socket.RemoteEndPoint?.ToString() ?? "?", handshake.SessionId, handshake.Index, HandshakeReply.Describe(status));
        SubstreamRejector.Reject(socket, status, _settings.HandshakeTimeout);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "substream from {Remote} rejected: {Reason}")]
        public static partial void HandshakeRejected(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "substream from {Remote} for session {Session} index {Index} refused: {Reason}")]
        public static partial void SubstreamRefused(ILogger logger, string remote, Guid session, int index, string reason);
    }
}
