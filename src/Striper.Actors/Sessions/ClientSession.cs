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

    public ClientSession(Socket edgeSocket, string peerHost, int peerPort, StriperSettings settings, ProxyMetrics metrics)
        : base(settings, metrics, Guid.NewGuid())
    {
        _edgeSocket = edgeSocket;
        _peerHost = peerHost;
        _peerPort = peerPort;
        Receive<DialResult>(OnDialResult);
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

    private void Dial(int index, HandshakeKind kind)
    {
        PendingDials++;
        var handshake = new Handshake(kind, SessionId, index, Settings.Stripes);
        SubstreamDialer.DialAsync(_peerHost, _peerPort, handshake, Settings, _dials.Token)
            .PipeTo(Self, socket => new DialResult(index, socket, null), error => new DialResult(index, null, error.Message));
    }

    private void OnDialResult(DialResult result)
    {
        PendingDials--;
        if (IsClosing)
        {
            result.Socket?.Dispose();
            return;
        }

        if (result.Socket is null)
        {
            if (result.Index == 0)
            {
                Abort(SessionAbortReason.SubstreamsLost, $"cannot open a session with {SocketFactory.Format(_peerHost, _peerPort)}: {result.Error}", sendRst: false);
            }
            else
            {
                Log.JoinFailed(Context.Log, SessionId, result.Index, result.Error ?? "unknown");
            }

            return;
        }

        AttachSubstream(result.Index, result.Socket);
        if (result.Index == 0)
        {
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

        [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "session {Session}: substream {Index} could not join: {Reason}")]
        public static partial void JoinFailed(ILogger logger, Guid session, int index, string reason);
    }
}
