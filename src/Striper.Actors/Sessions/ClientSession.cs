using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Proxy;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Actors.Socks;
using Striper.Actors.Striping;
using Striper.Actors.Transport;
using Striper.Actors.Wire;
using static Striper.Actors.Sessions.SessionProtocol;

namespace Striper.Actors.Sessions;

/// <summary>
/// Client end of a tunnelled connection. Dials substream 0 with OPEN and waits for the server's answer (which
/// comes only after the server reached its target), so a refused target closes the application's connection
/// with the server's reason. Then it dials the other substreams with JOIN, in parallel.
/// Behind a SOCKS front end the OPEN names the target the SOCKS client asked for, and the server's answer becomes
/// the SOCKS reply: only after a success does the application's connection carry data.
/// </summary>
internal sealed partial class ClientSession : SessionActor
{
    // Finer than the controller's shortest settle (250 ms) and window (500 ms); coarse enough that a thousand idle
    // connections cost next to nothing.
    private static readonly TimeSpan StripeTickInterval = TimeSpan.FromMilliseconds(200);

    private readonly Socket _edgeSocket;
    private readonly IActorRef? _mdpNode;
    private readonly string _peerHost;
    private readonly int _peerPort;
    private readonly CancellationTokenSource _dials = new();
    private readonly Dictionary<int, int> _failedDials = [];
    private readonly HostPort? _socksTarget;
    private readonly ServerFeatures _serverFeatures;
    private readonly SubstreamCongestionControl? _congestionControl;
    private bool _edgeAttached;

    // The indices this connection runs (all of them with a fixed count; what the controller chose with auto).
    private readonly SortedSet<int> _active = [];
    private StripeController? _stripes;
    private string? _loggedDecision;
    private readonly long _openedAt = Stopwatch.GetTimestamp();

    // The OPEN now being dialled asked for a session key; once accepted, the key every JOIN proves.
    private bool _openOfferedKey;
    private byte[]? _sessionKey;

    // The OPEN was accepted: from now on every dial is a JOIN, substream 0's included.
    private bool _opened;

    /// <param name="socksTarget">The target a SOCKS client asked for; null when the server proxy's own target is meant.</param>
    public ClientSession(
        Socket edgeSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, IActorRef? mdpNode, HostPort? socksTarget, ServerFeatures? serverFeatures)
        : base(settings, metrics, buffers, Guid.NewGuid(), SocketFactory.Describe(edgeSocket), socksTarget?.ToString() ?? SocketFactory.Format(peerHost, peerPort))
    {
        _edgeSocket = edgeSocket;
        _socksTarget = socksTarget;
        _serverFeatures = serverFeatures ?? new ServerFeatures();
        _mdpNode = mdpNode;
        _peerHost = peerHost;
        _peerPort = peerPort;
        _congestionControl = (settings.Transport & SubstreamTransports.Tcp) != 0
            ? StriperServices.Get(Context.System).CongestionControl(settings.TcpCongestionControl)
            : null;
        Receive<DialResult>(OnDialResult);
        Receive<Redial>(m =>
        {
            if (!_active.Contains(m.Index))
            {
                return;
            }

            if (m.Index == 0 && !_opened)
            {
                // The opening dial again (see OnDialResult): a session that never opened has nothing to rejoin.
                Dial(0, HandshakeKind.Open);
                return;
            }

            Stats.Substream(m.Index)?.Redialled();
            Metrics.Redialled();
            Dial(m.Index, HandshakeKind.Join);
        });
        Receive<StripeTick>(_ => OnStripeTick());
        ReceiveSessionMessages();
    }

    /// <param name="mdpNode">The proxy's MDP node, whose one neighbour is the server; needed when the transport includes MSP.</param>
    /// <param name="serverFeatures">What the client proxy has learned about the server, shared by its sessions.</param>
    public static Props Props(
        Socket edgeSocket,
        string peerHost,
        int peerPort,
        StriperSettings settings,
        ProxyMetrics metrics,
        BufferBudget buffers,
        IActorRef? mdpNode = null,
        HostPort? socksTarget = null,
        ServerFeatures? serverFeatures = null) =>
        Akka.Actor.Props.Create(() => new ClientSession(edgeSocket, peerHost, peerPort, settings, metrics, buffers, mdpNode, socksTarget, serverFeatures));

    protected override void PreStart()
    {
        base.PreStart();
        _edgeSocket.NoDelay = true;

        // The edge starts without read credit, so nothing is read before the far side grants some. A SOCKS client's
        // connection is attached only once the SOCKS reply is written, so that reply is the first thing it reads.
        if (_socksTarget is null)
        {
            AttachClientEdge();
        }

        _active.Add(0);
        Dial(0, HandshakeKind.Open);
    }

    protected override void PostStop()
    {
        base.PostStop();
        _dials.Cancel();
        _dials.Dispose();
        if (!_edgeAttached)
        {
            // Never handed to an edge leg (a SOCKS target the server refused): nobody else will close it.
            _edgeSocket.Dispose();
        }
    }

    protected override void OnSubstreamLost(int index, string? reason)
    {
        // A retired index that failed while it drained is not wanted back.
        if (_active.Contains(index))
        {
            ScheduleRedial(index);
        }
    }

    private void Dial(int index, HandshakeKind kind)
    {
        if (IsClosing || (_opened && !SubstreamsNeeded))
        {
            return;
        }

        Stats.Substream(index)?.SetState(SubstreamState.Connecting);
        var handshake = new Handshake(kind, SessionId, index, Settings.SessionSubstreams);
        var target = kind == HandshakeKind.Open ? _socksTarget : null;
        var binding = kind == HandshakeKind.Open
            ? (Settings.Secret is not null && !_serverFeatures.RefusesSessionKeys ? SessionBinding.Offered : default)
            : SessionBinding.Proving(_sessionKey);
        if (kind == HandshakeKind.Open)
        {
            _openOfferedKey = binding.Offer;
        }

        var dial = UsesMsp(index)
            ? DialMspAsync(handshake, target, binding)
            : SubstreamDialer.DialAsync(_peerHost, _peerPort, handshake, Settings, _dials.Token, target, binding, _congestionControl);
        dial
            .PipeTo(
                Self,
                success: substream => new DialResult(index, substream, null, Fatal: false),
                failure: error => new DialResult(
                    index,
                    null,
                    error.Message,
                    Fatal: error is SubstreamRefusedException,
                    (error as SubstreamRefusedException)?.Status,
                    Answered: error is not (TimeoutException or OperationCanceledException or SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable })));
    }

    /// <summary>With both transports, even indices go over TCP and odd ones over MSP (so substream 0, the OPEN, is TCP).</summary>
    private bool UsesMsp(int index) => Settings.Transport switch
    {
        SubstreamTransports.Msp => true,
        SubstreamTransports.Both => index % 2 == 1,
        _ => false,
    };

    /// <summary>A port child opens the MSP stream on a flow of its own; the handshake then runs over it as over a socket.</summary>
    private Task<DialedSubstream> DialMspAsync(Handshake handshake, HostPort? target, SessionBinding binding)
    {
        var node = _mdpNode ?? throw new InvalidOperationException("an MSP substream needs the proxy's MDP node");
        var opened = new TaskCompletionSource<MspSubstreamConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        Context.ActorOf(MspSubstreamPort.Dialing(node, MspSubstreamListener.ServicePort, Settings.Msp, Settings.ConnectTimeout, opened, SocketFactory.Format(_peerHost, _peerPort)));
        var settings = Settings;
        var token = _dials.Token;
        return HandshakeAsync();

        async Task<DialedSubstream> HandshakeAsync()
        {
            var connection = await opened.Task.WaitAsync(token);
            return await SubstreamDialer.HandshakeAsync(connection, handshake, settings, token, target, binding);
        }
    }

    /// <summary>Whether the opening dial's next try, after its backoff, still starts within connect-timeout.</summary>
    private bool OpeningMayRetry() =>
        Stopwatch.GetElapsedTime(_openedAt) + RedialDelay(_failedDials.GetValueOrDefault(0) + 1) < Settings.ConnectTimeout;

    /// <summary>Exponential backoff per index, so a peer that is down is not hammered and one that is back is found soon.</summary>
    private void ScheduleRedial(int index) =>
        Timers.StartSingleTimer($"redial-{index}", new Redial(index), RedialDelay(_failedDials.GetValueOrDefault(index)));

    private TimeSpan RedialDelay(int failures)
    {
        var delay = Settings.RedialBackoff * Math.Pow(2, Math.Min(failures, 16));
        return delay > Settings.RedialBackoffMax ? Settings.RedialBackoffMax : delay;
    }

    private void OnDialResult(DialResult result)
    {
        // With nothing left to carry the server may already have finished and forgotten the session: a refused
        // re-dial then means nothing, and must not reset an edge that is still draining the last bytes.
        if (IsClosing || (_opened && !SubstreamsNeeded) || !_active.Contains(result.Index))
        {
            // A dial that ends after the connection finished, or for an index retired while it was dialled.
            result.Substream?.Connection.Abort();
            return;
        }

        if (result.Substream is not { } substream)
        {
            if (result.Index == 0 && !_opened && _openOfferedKey && result.Status == HandshakeStatus.BadHandshake)
            {
                // A server from before session keys: its sessions are opened as before, JOINs proven by the secret.
                if (_serverFeatures.MarkRefusesSessionKeys())
                {
                    Log.NoSessionKeys(Context.Logger(), SocketFactory.Format(_peerHost, _peerPort));
                }

                Dial(0, HandshakeKind.Open);
            }
            else if (result.Index == 0 && !_opened && result.Answered && result.Status is null && !result.Fatal && OpeningMayRetry())
            {
                // Connected, then reset before the handshake's answer: a server at its limit of pending handshakes
                // resets what exceeds it (a burst of connections, each dialling several substreams at once). The
                // application's connection waits while the opening is tried again, within connect-timeout; a server
                // that refuses connections or cannot be reached fails the connection at once, as before.
                Log.OpenRetried(Context.Logger(), SessionId, result.Error ?? "unknown");
                _failedDials[0] = _failedDials.GetValueOrDefault(0) + 1;
                ScheduleRedial(0);
            }
            else if (result.Index == 0 && !_opened)
            {
                ReplyToSocks(SocksReplyFor(result.Status));
                Abort(SessionAbortReason.SubstreamsLost, $"cannot open a session with {SocketFactory.Format(_peerHost, _peerPort)}: {result.Error}", sendRst: false);
            }
            else if (result.Fatal)
            {
                Abort(SessionAbortReason.SubstreamsLost, $"substream {result.Index} could not rejoin: {result.Error}", sendRst: false);
            }
            else
            {
                // While every substream is down each index keeps failing until the network is back: the session
                // said so once (and says when it resumes), so the attempts themselves are details.
                if (IsResuming)
                {
                    Log.RejoinFailed(Context.Logger(), SessionId, result.Index, result.Error ?? "unknown");
                }
                else
                {
                    Log.JoinFailed(Context.Logger(), SessionId, result.Index, result.Error ?? "unknown");
                }

                _failedDials[result.Index] = _failedDials.GetValueOrDefault(result.Index) + 1;
                ScheduleRedial(result.Index);
            }

            return;
        }

        _failedDials.Remove(result.Index);
        _sessionKey ??= substream.SessionKey;
        if (!_opened && _socksTarget is not null)
        {
            if (!ReplyToSocks(Socks5ReplyCode.Succeeded))
            {
                substream.Connection.Abort();
                Abort(SessionAbortReason.EdgeReset, "the SOCKS client went away before its connection was open", sendRst: false);
                return;
            }

            AttachClientEdge();
        }

        AttachSubstream(result.Index, substream.Connection, cipher: substream.Cipher);
        if (!_opened)
        {
            _opened = true;
            var peer = SocketFactory.Format(_peerHost, _peerPort);
            Log.Opened(Context.Logger(), SessionId, _socksTarget is { } target ? $"{peer} for {target}" : peer, Settings.DescribeStripes());
            if (Settings.Stripes is null)
            {
                _stripes = new StripeController(Settings.MaxStripes, Stopwatch.GetElapsedTime(_openedAt));
                Timers.StartPeriodicTimer("stripes", StripeTick.Instance, StripeTickInterval);
            }

            SetStripes(Settings.InitialStripes);
        }
    }

    /// <summary>Feeds the stripe controller what the connection's substreams carried; applies what it decides.</summary>
    private void OnStripeTick()
    {
        if (_stripes is null || IsClosing || IsResuming || !SubstreamsNeeded)
        {
            return;
        }

        // How long a new substream takes to ramp up goes with the path's own round trip, not with the queues in front
        // of it (a throttle's buffer can hold seconds of data), so a minimum RTT: the substreams' median one. Not the
        // largest: a substream whose few samples all waited out a loss (one timeout on a lossy 150 ms path) reads
        // seconds until it has more, and stretched the controller's windows past a whole transfer.
        var minRtts = new List<TimeSpan>(_active.Count);
        foreach (var index in _active)
        {
            if (Stats.Substream(index)?.MinRtt is { } minRtt)
            {
                minRtts.Add(minRtt);
            }
        }

        minRtts.Sort();
        var rtt = minRtts.Count > 0 ? minRtts[minRtts.Count / 2] : TimeSpan.Zero;

        // Bytes the substreams carried, not bytes read (reads run ahead into the credit window, and more substreams let
        // them run further for a moment, which would look like a faster path) nor bytes delivered (they come in bursts
        // whenever a late piece releases what waited behind it: in the lab, 200 ms samples of a steady 190 Mbit/s read
        // from 0 to 450, enough to turn a 60 % gain into a loss over a whole window).
        if (_stripes.OnTick(Stats.Carried, Stopwatch.GetElapsedTime(_openedAt), rtt))
        {
            Log.StripesChanged(Context.Logger(), SessionId, _stripes.LastDecision ?? "", _stripes.Count);
            SetStripes(_stripes.Count);
        }
        else if (_stripes.LastDecision is { } decision && decision != _loggedDecision)
        {
            Log.StripesHeld(Context.Logger(), SessionId, decision);
        }

        _loggedDecision = _stripes.LastDecision;
    }

    /// <summary>Dials the lowest unused indices, or retires the slowest substreams, until <paramref name="count"/> run.</summary>
    private void SetStripes(int count)
    {
        for (var index = 0; _active.Count < count && index < Settings.SessionSubstreams; index++)
        {
            if (_active.Add(index))
            {
                _failedDials.Remove(index);
                Dial(index, HandshakeKind.Join);
            }
        }

        while (_active.Count > count && _active.Count > 1)
        {
            var index = StripeController.NextToRetire(_active, i => Stats.Substream(i) is { State: SubstreamState.Up } up ? up.DeliveryRate : null);
            _active.Remove(index);
            Timers.Cancel($"redial-{index}");
            StriperActor.Tell(new StriperProtocol.RetireSubstream(index));

            // One still being dialled (or waiting to be) never gets a leg to close: it is done with now.
            if (Stats.Substream(index) is { State: SubstreamState.Connecting or SubstreamState.Lost } stats)
            {
                stats.SetState(SubstreamState.Closed);
            }
        }
    }

    private void AttachClientEdge()
    {
        AttachEdge(_edgeSocket);
        _edgeAttached = true;
    }

    /// <summary>RFC 1928's closest word for the server's refusal; a server that could not be reached is a general failure.</summary>
    private static Socks5ReplyCode SocksReplyFor(HandshakeStatus? status) => status switch
    {
        HandshakeStatus.TargetNotAllowed => Socks5ReplyCode.NotAllowed,
        HandshakeStatus.TargetUnreachable => Socks5ReplyCode.HostUnreachable,
        _ => Socks5ReplyCode.GeneralFailure,
    };

    /// <summary>Writes the SOCKS reply when this is a SOCKS client's connection (10 bytes into a fresh socket's buffer: no wait).</summary>
    private bool ReplyToSocks(Socks5ReplyCode code)
    {
        if (_socksTarget is null)
        {
            return true;
        }

        try
        {
            _edgeSocket.Send(Socks5Negotiator.Reply(code));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "session {Session} opened to {Peer} with {Stripes} substreams")]
        public static partial void Opened(ILogger logger, Guid session, string peer, string stripes);

        [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "session {Session}: substream {Index} could not join ({Reason}); retrying")]
        public static partial void JoinFailed(ILogger logger, Guid session, int index, string reason);

        [LoggerMessage(EventId = 314, Level = LogLevel.Information, Message = "session {Session}: {Decision}; now {Count} substreams")]
        public static partial void StripesChanged(ILogger logger, Guid session, string decision, int count);

        [LoggerMessage(EventId = 315, Level = LogLevel.Information, Message = "session {Session}: {Decision}")]
        public static partial void StripesHeld(ILogger logger, Guid session, string decision);

        [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "the server proxy at {Peer} does not know session keys (it refused the flag as a bad handshake): it predates them, so JOINs to its sessions are proven with the shared secret alone")]
        public static partial void NoSessionKeys(ILogger logger, string peer);

        [LoggerMessage(EventId = 316, Level = LogLevel.Information, Message = "session {Session}: the opening dial failed ({Reason}); trying again")]
        public static partial void OpenRetried(ILogger logger, Guid session, string reason);

        [LoggerMessage(EventId = 312, Level = LogLevel.Debug, Message = "session {Session}: substream {Index} could not join while resuming ({Reason}); retrying")]
        public static partial void RejoinFailed(ILogger logger, Guid session, int index, string reason);
    }
}
