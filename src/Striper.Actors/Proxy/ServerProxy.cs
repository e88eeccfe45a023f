using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Services;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;
using Striper.Actors.Transport;
using Striper.Actors.Wire;
using static Striper.Actors.Proxy.ProxyProtocol;

namespace Striper.Actors.Proxy;

/// <summary>
/// The server proxy: runs each accepted substream's handshake (off the mailbox, bounded by the handshake timeout)
/// and groups substreams by session id. OPEN creates a <see cref="ServerSession"/>; JOIN goes to the existing one.
/// Anything malformed, unauthenticated or unknown is answered with its reason, logged and closed, and touches no
/// other session. Connections still in their handshake (or being refused) hold one of max-pending-handshakes
/// slots; with none free, a new connection is closed at once, so a flood costs bounded sockets and memory.
/// Draining refuses new sessions and waits for the open ones to end.
/// </summary>
internal sealed partial class ServerProxy : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private readonly StriperSettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly BufferBudget _buffers;
    private readonly HostPort _target;
    private readonly Dictionary<Guid, IActorRef> _sessions = [];
    private readonly Dictionary<IActorRef, Guid> _sessionIds = [];

    // Read by handshakes running off the mailbox, written here: the key each session opened with one wants its JOINs to prove.
    private readonly ConcurrentDictionary<Guid, byte[]> _sessionKeys = new();
    private readonly DrainWaiters _drain = new();
    private readonly TargetPolicy _policy;

    /// <summary>OPENs whose target is being checked: theirs to close if this proxy stops first.</summary>
    private readonly HashSet<SubstreamConnection> _checking = [];

    /// <summary>Refusals logged: the first few each second one by one, the rest as a count (junk floods).</summary>
    private readonly LogRateLimiter _refusalLog;
    private int _pendingCount;
    private long _shed;

    public ServerProxy(Socket listenSocket, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode)
    {
        _settings = settings;
        _metrics = metrics;
        _buffers = buffers;
        _target = new HostPort(targetHost, targetPort);
        _refusalLog = new LogRateLimiter(burst: 10, TimeSpan.FromSeconds(1), Context.Clock());
        _policy = new TargetPolicy(_target, settings.Allow);
        Context.ActorOf(Listener.Props(listenSocket), "listener");
        if (mdpNode is not null)
        {
            Context.ActorOf(MspSubstreamListener.Props(mdpNode, Self, settings), "msp-listener");
        }

        var congestionControl = StriperServices.Get(Context.System).CongestionControl(settings.TcpCongestionControl);
        Receive<Accepted>(m =>
        {
            SocketFactory.WatchForDeadPath(m.Socket, settings.SubstreamTimeout);
            congestionControl.Apply(m.Socket);
            OnAccepted(new TcpSubstreamConnection(m.Socket));
        });
        Receive<MspSubstreamAccepted>(m => OnAccepted(m.Connection));
        Receive<HandshakeRead>(OnHandshake);
        Receive<TargetChecked>(OnTargetChecked);
        Receive<HandshakeInvalid>(m =>
        {
            Pending--;
            if (MayLogRefusal())
            {
                Log.HandshakeRejected(Context.Logger(), m.Remote, m.Reason);
            }

            RejectHoldingSlot(m.Connection, m.Status, m.AcceptedAt);
        });
        Receive<RejectionClosed>(_ => Pending--);
        Receive<FlushRefusalLog>(_ =>
        {
            var count = _refusalLog.TakeSuppressed();
            if (count > 0)
            {
                Log.RefusalsNotLogged(Context.Logger(), count, _refusalLog.Window.TotalSeconds, _refusalLog.Burst);
            }
        });
        Receive<Drain>(_ => _drain.Start(Sender));
        Receive<WhenDrained>(_ => _drain.Add(Sender, _sessions.Count));
        Receive<Terminated>(m =>
        {
            if (_sessionIds.Remove(m.ActorRef, out var id))
            {
                _sessions.Remove(id);
                _sessionKeys.TryRemove(id, out _);
                _drain.SessionsLeft(_sessions.Count);
            }
        });
    }

    /// <summary>Connections in their handshake or being refused; published to the metrics on every change.</summary>
    private int Pending
    {
        get => _pendingCount;
        set
        {
            _pendingCount = value;
            _metrics.SetPendingHandshakes(value);
        }
    }

    /// <param name="mdpNode">With an MDP node, MSP substreams are accepted too (on <see cref="MspSubstreamListener.ServicePort"/>).</param>
    public static Props Props(Socket listenSocket, string targetHost, int targetPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode = null) =>
        Akka.Actor.Props.Create(() => new ServerProxy(listenSocket, targetHost, targetPort, settings, metrics, buffers, mdpNode));

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PostStop()
    {
        // Their verdict would come to nobody: close them now rather than leave them to the collector.
        foreach (var connection in _checking)
        {
            connection.Abort();
        }
    }

    private void OnAccepted(SubstreamConnection socket)
    {
        if (Pending >= _settings.MaxPendingHandshakes)
        {
            // Shed at once and cheaply: no reply, a reset, nothing kept. Logged at the first and every 1000th.
            _metrics.ConnectionShed();
            if (_shed++ % 1000 == 0)
            {
                Log.Shedding(Context.Logger(), _settings.MaxPendingHandshakes, _shed);
            }

            socket.Abort();
            return;
        }

        Pending++;
        var remote = socket.Remote;
        var acceptedAt = Stopwatch.GetTimestamp();
        SubstreamResponder.RespondAsync(socket, _settings, _sessionKeys.GetValueOrDefault)
            .PipeTo(
                Self,
                success: handshake => new HandshakeRead(socket, handshake, acceptedAt),
                failure: error => new HandshakeInvalid(socket, remote, error.Message, (error as HandshakeRejectedException)?.Status ?? HandshakeStatus.BadHandshake, acceptedAt));
    }

    private void OnHandshake(HandshakeRead message)
    {
        Pending--;
        var (socket, accepted) = (message.Connection, message.Handshake);
        var handshake = accepted.Hello;
        if (handshake.Kind == HandshakeKind.Join)
        {
            if (_sessions.TryGetValue(handshake.SessionId, out var session))
            {
                session.Tell(new SessionProtocol.JoinSubstream(socket, handshake, accepted.Cipher));
            }
            else
            {
                Refuse(socket, handshake, HandshakeStatus.UnknownSession, message.AcceptedAt);
            }

            return;
        }

        if (accepted.Target is not { } requested)
        {
            Open(message, _target);
            return;
        }

        // A SOCKS client's target: resolved and checked against striper.server.allow off the mailbox, the
        // connection keeping its handshake slot meanwhile.
        Pending++;
        _checking.Add(socket);
        _policy.ResolveAsync(requested, _settings.ConnectTimeout)
            .PipeTo(
                Self,
                success: verdict => new TargetChecked(message, requested, verdict.Target, verdict.Refusal),
                failure: error => new TargetChecked(message, requested, null, error.Message));
    }

    private void OnTargetChecked(TargetChecked message)
    {
        Pending--;
        _checking.Remove(message.Open.Connection);
        if (message.Target is { } target)
        {
            Open(message.Open, target);
            return;
        }

        var (socket, handshake) = (message.Open.Connection, message.Open.Handshake.Hello);
        if (MayLogRefusal())
        {
            Log.TargetRefused(Context.Logger(), socket.Remote, handshake.SessionId, message.Requested.ToString(), message.Refusal ?? "refused");
        }

        RejectHoldingSlot(socket, HandshakeStatus.TargetNotAllowed, message.Open.AcceptedAt);
    }

    private void Open(HandshakeRead message, HostPort target)
    {
        var (socket, accepted) = (message.Connection, message.Handshake);
        var handshake = accepted.Hello;
        if (_sessions.ContainsKey(handshake.SessionId))
        {
            Refuse(socket, handshake, HandshakeStatus.Conflict, message.AcceptedAt);
            return;
        }

        if (handshake.Count > _settings.MaxSubstreamsPerSession)
        {
            Refuse(socket, handshake, HandshakeStatus.TooManySubstreams, message.AcceptedAt);
            return;
        }

        // Draining keeps the listeners open, so open sessions can still replace a substream (JOIN); new sessions
        // are refused with the reason every client version knows for a server that takes no more.
        if (_sessions.Count >= _settings.MaxSessions || _drain.IsDraining)
        {
            Refuse(socket, handshake, HandshakeStatus.TooManySessions, message.AcceptedAt);
            return;
        }

        var child = Context.ActorOf(
            ServerSession.Props(socket, handshake, accepted.Cipher, target.Host, target.Port, _settings, _metrics, _buffers), $"session-{handshake.SessionId:N}");
        Context.Watch(child);
        _sessions[handshake.SessionId] = child;
        _sessionIds[child] = handshake.SessionId;
        if (accepted.SessionKey is { } key)
        {
            _sessionKeys[handshake.SessionId] = key;
        }
    }

    private void Refuse(SubstreamConnection socket, Handshake handshake, HandshakeStatus status, long acceptedAt)
    {
        if (MayLogRefusal())
        {
            Log.SubstreamRefused(Context.Logger(), socket.Remote, handshake.SessionId, handshake.Index, HandshakeReply.Describe(status));
        }

        RejectHoldingSlot(socket, status, acceptedAt);
    }

    /// <summary>True while this window's budget lasts; the first refusal held back arms the summary at the window's end.</summary>
    private bool MayLogRefusal()
    {
        if (_refusalLog.TryEnter())
        {
            return true;
        }

        if (_refusalLog.Suppressed == 1)
        {
            Timers.StartSingleTimer("refusal-log", FlushRefusalLog.Instance, _refusalLog.Window);
        }

        return false;
    }

    /// <summary>
    /// Refuses, and keeps the connection counted as pending until it has closed, so refusals cannot pile up either.
    /// The close comes by the handshake deadline at the latest: a peer that times out is closed at once.
    /// </summary>
    private void RejectHoldingSlot(SubstreamConnection socket, HandshakeStatus status, long acceptedAt)
    {
        Pending++;
        var self = Self;
        var left = _settings.HandshakeTimeout - Stopwatch.GetElapsedTime(acceptedAt);
        _ = socket.RejectAsync(status, left)
            .ContinueWith(_ => self.Tell(RejectionClosed.Instance), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "substream from {Remote} rejected: {Reason}")]
        public static partial void HandshakeRejected(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "substream from {Remote} for session {Session} index {Index} refused: {Reason}")]
        public static partial void SubstreamRefused(ILogger logger, string remote, Guid session, int index, string reason);

        [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "{Count} more substream connections refused in the last {Seconds}s and not logged one by one (at most {Burst} a second are)")]
        public static partial void RefusalsNotLogged(ILogger logger, long count, double seconds, int burst);

        [LoggerMessage(EventId = 414, Level = LogLevel.Warning, Message = "session {Session} from {Remote} asked for {Target}: refused, {Reason}")]
        public static partial void TargetRefused(ILogger logger, string remote, Guid session, string target, string reason);

        [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "{Limit} connections are already in their handshake (max-pending-handshakes): closing new ones at once ({Count} so far)")]
        public static partial void Shedding(ILogger logger, int limit, long count);
    }
}
