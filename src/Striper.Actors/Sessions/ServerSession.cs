using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Actors.Transport;
using Striper.Actors.Wire;
using static Striper.Actors.Sessions.SessionProtocol;

namespace Striper.Actors.Sessions;

/// <summary>
/// Server end of a tunnelled connection, created by an OPEN. It connects to the target first and only then
/// answers the OPEN: Accepted, or TargetUnreachable and a close, so the client can tell its user why.
/// JOINs that arrive while the target connect is still running wait for it.
/// </summary>
internal sealed partial class ServerSession : SessionActor
{
    private readonly SubstreamConnection _open;
    private readonly SubstreamCipher? _openCipher;
    private readonly int _stripes;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly List<JoinSubstream> _waitingJoins = [];
    private readonly CancellationTokenSource _connect = new();
    private bool _accepted;

    public ServerSession(SubstreamConnection openSocket, Handshake open, SubstreamCipher? openCipher, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers)
        : base(settings, metrics, buffers, open.SessionId, openSocket.Remote, SocketFactory.Format(targetHost, targetPort))
    {
        _open = openSocket;
        _openCipher = openCipher;
        _stripes = open.Count;
        _targetHost = targetHost;
        _targetPort = targetPort;
        Receive<TargetConnected>(OnTargetConnected);
        Receive<TargetFailed>(OnTargetFailed);
        Receive<JoinSubstream>(OnJoin);
        ReceiveSessionMessages();
    }

    public static Props Props(SubstreamConnection openSocket, Handshake open, SubstreamCipher? openCipher, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers) =>
        Akka.Actor.Props.Create(() => new ServerSession(openSocket, open, openCipher, targetHost, targetPort, settings, metrics, buffers));

    protected override int SubstreamCount => _stripes;

    /// <summary>An auto-sized client closes the substreams it no longer needs; it does not dial those again.</summary>
    protected override bool CleanCloseIsLoss => false;

    protected override void PreStart()
    {
        base.PreStart();
        SocketFactory.ConnectAsync(_targetHost, _targetPort, Settings.ConnectTimeout, _connect.Token)
            .PipeTo(Self, success: socket => new TargetConnected(socket), failure: error => new TargetFailed(error.Message));
    }

    protected override void PostStop()
    {
        base.PostStop();
        _connect.Cancel();
        _connect.Dispose();
        foreach (var join in _waitingJoins)
        {
            join.Connection.Abort();
        }

        if (!_accepted)
        {
            _open.Abort();
        }
    }

    private void OnTargetConnected(TargetConnected message)
    {
        if (IsClosing)
        {
            message.Socket.Dispose();
            return;
        }

        _accepted = true;
        Log.Accepted(Context.Logger(), SessionId, SocketFactory.Format(_targetHost, _targetPort), _stripes);
        AttachEdge(message.Socket);
        AttachSubstream(0, _open, HandshakeReply.Encode(HandshakeStatus.Accepted), _openCipher);
        foreach (var join in _waitingJoins)
        {
            AttachJoin(join);
        }

        _waitingJoins.Clear();
    }

    private void OnTargetFailed(TargetFailed message)
    {
        Log.TargetUnreachable(Context.Logger(), SessionId, SocketFactory.Format(_targetHost, _targetPort), message.Reason);
        _accepted = true;
        _ = _open.RejectAsync(HandshakeStatus.TargetUnreachable, Settings.HandshakeTimeout);
        foreach (var join in _waitingJoins)
        {
            _ = join.Connection.RejectAsync(HandshakeStatus.TargetUnreachable, Settings.HandshakeTimeout);
        }

        _waitingJoins.Clear();
        Context.Stop(Self);
    }

    private void OnJoin(JoinSubstream join)
    {
        if (IsClosing)
        {
            _ = join.Connection.RejectAsync(HandshakeStatus.UnknownSession, Settings.HandshakeTimeout);
        }
        else if (!_accepted)
        {
            _waitingJoins.Add(join);
        }
        else
        {
            AttachJoin(join);
        }
    }

    private void AttachJoin(JoinSubstream join)
    {
        if (join.Handshake.Count != _stripes)
        {
            Log.JoinRefused(Context.Logger(), SessionId, join.Handshake.Index, join.Handshake.Count, _stripes);
            _ = join.Connection.RejectAsync(HandshakeStatus.Conflict, Settings.HandshakeTimeout);
            return;
        }

        AttachSubstream(join.Handshake.Index, join.Connection, HandshakeReply.Encode(HandshakeStatus.Accepted), join.Cipher);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "session {Session} accepted: connected to {Target}, {Stripes} substreams")]
        public static partial void Accepted(ILogger logger, Guid session, string target, int stripes);

        [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "session {Session} refused: target {Target} unreachable: {Reason}")]
        public static partial void TargetUnreachable(ILogger logger, Guid session, string target, string reason);

        [LoggerMessage(EventId = 322, Level = LogLevel.Warning, Message = "session {Session}: refusing substream {Index}: it says {Count} substreams, the OPEN said {Stripes}")]
        public static partial void JoinRefused(ILogger logger, Guid session, int index, int count, int stripes);
    }
}
