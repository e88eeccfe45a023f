using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Sessions.SessionProtocol;

namespace Striper.Actors.Sessions;

/// <summary>
/// Client end of a tunnelled connection. Dials substream 0 with OPEN and waits for the server's answer (which
/// comes only after the server reached its target), so a refused target closes the application's connection
/// with the server's reason. Then it dials the other substreams with JOIN, in parallel.
/// </summary>
internal sealed partial class ClientSession : SessionActor
{
    private readonly Socket _edgeSocket;
    private readonly string _peerHost;
    private readonly int _peerPort;
    private readonly CancellationTokenSource _dials = new();
    private readonly Dictionary<int, int> _failedDials = [];

    // The OPEN was accepted: from now on every dial is a JOIN, substream 0's included.
    private bool _opened;

    public ClientSession(Socket edgeSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics)
        : base(settings, metrics, Guid.NewGuid())
    {
        _edgeSocket = edgeSocket;
        _peerHost = peerHost;
        _peerPort = peerPort;
        Receive<DialResult>(OnDialResult);
        Receive<Redial>(m => Dial(m.Index, HandshakeKind.Join));
        ReceiveSessionMessages();
    }

    public static Props Props(Socket edgeSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics) =>
        Runtime.Props.Create(() => new ClientSession(edgeSocket, peerHost, peerPort, settings, metrics));

    protected override void PreStart()
    {
        base.PreStart();
        _edgeSocket.NoDelay = true;

        // The edge starts without read credit, so nothing is read before the far side grants some.
        AttachEdge(_edgeSocket);
        Dial(0, HandshakeKind.Open);
    }

    protected override void PostStop()
    {
        base.PostStop();
        _dials.Cancel();
        _dials.Dispose();
    }

    protected override void OnSubstreamLost(int index, string? reason) => ScheduleRedial(index);

    private void Dial(int index, HandshakeKind kind)
    {
        if (IsClosing || (_opened && !SubstreamsNeeded))
        {
            return;
        }

        var handshake = new Handshake(kind, SessionId, index, Settings.Stripes);
        SubstreamDialer.DialAsync(_peerHost, _peerPort, handshake, Settings, _dials.Token)
            .PipeTo(
                Self,
                substream => new DialResult(index, substream, null, Fatal: false),
                error => new DialResult(index, null, error.Message, Fatal: error is SubstreamRefusedException));
    }

    /// <summary>Exponential backoff per index, so a peer that is down is not hammered and one that is back is found soon.</summary>
    private void ScheduleRedial(int index)
    {
        var failures = _failedDials.GetValueOrDefault(index);
        var delay = Settings.RedialBackoff * Math.Pow(2, Math.Min(failures, 16));
        if (delay > Settings.RedialBackoffMax)
        {
            delay = Settings.RedialBackoffMax;
        }

        Timers.StartSingleTimer($"redial-{index}", new Redial(index), delay);
    }

    private void OnDialResult(DialResult result)
    {
        // With nothing left to carry the server may already have finished and forgotten the session: a refused
        // re-dial then means nothing, and must not reset an edge that is still draining the last bytes.
        if (IsClosing || (_opened && !SubstreamsNeeded))
        {
            result.Substream?.Socket.Dispose();
            return;
        }

        if (result.Substream is not { } substream)
        {
            if (result.Index == 0 && !_opened)
            {
                Abort(SessionAbortReason.SubstreamsLost, $"cannot open a session with {SocketFactory.Format(_peerHost, _peerPort)}: {result.Error}", sendRst: false);
            }
            else if (result.Fatal)
            {
                Abort(SessionAbortReason.SubstreamsLost, $"substream {result.Index} could not rejoin: {result.Error}", sendRst: false);
            }
            else
            {
                Log.JoinFailed(Context.Log, SessionId, result.Index, result.Error ?? "unknown");
                _failedDials[result.Index] = _failedDials.GetValueOrDefault(result.Index) + 1;
                ScheduleRedial(result.Index);
            }

            return;
        }

        _failedDials.Remove(result.Index);
        AttachSubstream(result.Index, substream.Socket, cipher: substream.Cipher);
        if (!_opened)
        {
            _opened = true;
            Log.Opened(Context.Log, SessionId, SocketFactory.Format(_peerHost, _peerPort), Settings.Stripes);
            for (var index = 1; index < Settings.Stripes; index++)
            {
                Dial(index, HandshakeKind.Join);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "session {Session} opened to {Peer} with {Stripes} substreams")]
        public static partial void Opened(ILogger logger, Guid session, string peer, int stripes);

        [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "session {Session}: substream {Index} could not join ({Reason}); retrying")]
        public static partial void JoinFailed(ILogger logger, Guid session, int index, string reason);
    }
}
