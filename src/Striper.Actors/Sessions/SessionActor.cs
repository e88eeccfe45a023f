using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Actors.Striping;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Actors.Sessions;

/// <summary>
/// What both ends of a tunnelled connection share: an edge leg, substream legs, a Striper for the outbound
/// direction and a Reassembler for the inbound one. Subclasses only differ in how legs come to exist
/// (the client dials, the server accepts and connects to its target).
///
/// Life: Streaming → Closing. The session finishes when its outbound FIN has been delivered by the far side
/// and its inbound FIN has been written to the edge; it then half-closes every substream and waits (bounded by
/// the close timeout) for the far side to do the same, so no late frame meets a reset. An abort (edge reset,
/// peer RST, every substream lost) resets the edge, sends RST on the substreams and closes them the same way.
/// A session is never restarted: any failure of its children escalates, and its parent stops it.
/// </summary>
internal abstract partial class SessionActor : ReceiveActor
{
    private readonly Dictionary<int, IActorRef> _substreams = [];
    private bool _outboundFinished;
    private bool _inboundFinished;
    private bool _closing;

    protected SessionActor(StriperSettings settings, ProxyMetrics metrics, Guid sessionId)
    {
        Settings = settings;
        Metrics = metrics;
        SessionId = sessionId;
    }

    protected StriperSettings Settings { get; }

    protected ProxyMetrics Metrics { get; }

    protected Guid SessionId { get; }

    protected IActorRef StriperActor { get; private set; } = ActorRefs.Nobody;

    protected IActorRef ReassemblerActor { get; private set; } = ActorRefs.Nobody;

    protected IActorRef? Edge { get; private set; }

    /// <summary>Substreams still being dialled; losing every attached one is not fatal while some are on the way.</summary>
    protected int PendingDials { get; set; }

    protected bool IsClosing => _closing;

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Escalate);

    protected override void PreStart()
    {
        Metrics.SessionOpened();
        StriperActor = Context.ActorOf(Striping.Striper.Props(Settings, Metrics), "striper");
        ReassemblerActor = Context.ActorOf(Reassembler.Props(Settings), "reassembler");
    }

    protected override void PostStop() => Metrics.SessionClosed();

    /// <summary>Registers the handlers both ends share; subclasses call it from their constructor after their own.</summary>
    protected void ReceiveSessionMessages()
    {
        Receive<OutboundFinished>(_ =>
        {
            _outboundFinished = true;
            CompleteIfDone();
        });
        Receive<TcpLegProtocol.OutputEnded>(OnLegOutputEnded);
        // The leg has logged the violation and is resetting; its input end arrives as SubstreamEnded.
        Receive<TcpLegProtocol.Violation>(_ => { });
        Receive<SubstreamDown>(OnSubstreamDown);
        Receive<SubstreamMisbehaved>(m => _substreams.GetValueOrDefault(m.Index)?.Tell(new TcpLegProtocol.Abort(m.Reason)));
        Receive<SessionFailed>(m => Abort(m.Reason, m.Detail, sendRst: true));
        Receive<RstReceived>(m => Abort(m.Reason, $"the peer reset the session ({m.Reason})", sendRst: false));
        Receive<Terminated>(OnTerminated);
        Receive<SessionProtocol.CloseTimeout>(_ => OnCloseTimeout());
    }

    protected void AttachEdge(Socket socket)
    {
        var inbound = new EdgeInbound(StriperActor, Settings.ChunkSize);
        Edge = Context.ActorOf(TcpLeg.Props(socket, inbound, ReassemblerActor, Settings.ReceiveBufferSize), "edge");
        Context.Watch(Edge);
        var attached = new EdgeAttached(Edge);
        StriperActor.Tell(attached);
        ReassemblerActor.Tell(attached);
    }

    protected void AttachSubstream(int index, Socket socket, byte[]? preamble = null)
    {
        socket.NoDelay = true;
        var inbound = new SubstreamInbound(index, StriperActor, ReassemblerActor, Self, Settings.MaxFramePayload);
        var leg = Context.ActorOf(TcpLeg.Props(socket, inbound, null, Settings.ReceiveBufferSize, preamble), $"sub-{index}");
        Context.Watch(leg);
        _substreams[index] = leg;
        var attached = new SubstreamAttached(index, leg);
        StriperActor.Tell(attached);
        ReassemblerActor.Tell(attached);
    }

    protected bool HasSubstream(int index) => _substreams.ContainsKey(index);

    /// <summary>Resets everything and closes; the reason is logged once, here.</summary>
    protected void Abort(SessionAbortReason reason, string detail, bool sendRst)
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        Log.Aborted(Context.Log, SessionId, detail);
        Edge?.Tell(new TcpLegProtocol.Abort(detail));
        Context.Stop(StriperActor);
        Context.Stop(ReassemblerActor);
        foreach (var leg in _substreams.Values)
        {
            if (sendRst)
            {
                leg.Tell(new TcpLegProtocol.WriteRst(reason));
            }

            leg.Tell(TcpLegProtocol.Shutdown.Instance);
        }

        StartClosing();
    }

    private void OnLegOutputEnded(TcpLegProtocol.OutputEnded message)
    {
        if (!message.Leg.Equals(Edge))
        {
            return;
        }

        if (message.Error is not null)
        {
            Abort(SessionAbortReason.EdgeWriteFailed, "edge connection failed while writing: " + message.Error.Message, sendRst: true);
            return;
        }

        _inboundFinished = true;
        CompleteIfDone();
    }

    private void OnSubstreamDown(SubstreamDown message)
    {
        // Half-close our side too: the far end has stopped sending on it.
        _substreams.GetValueOrDefault(message.Index)?.Tell(TcpLegProtocol.Shutdown.Instance);
        if (message.Remaining == 0 && PendingDials == 0 && !_outboundFinished)
        {
            Abort(SessionAbortReason.SubstreamsLost, "every substream is gone", sendRst: false);
        }
    }

    private void CompleteIfDone()
    {
        if (_closing || !_outboundFinished || !_inboundFinished)
        {
            return;
        }

        _closing = true;
        Log.Completed(Context.Log, SessionId);
        foreach (var leg in _substreams.Values)
        {
            leg.Tell(TcpLegProtocol.Shutdown.Instance);
        }

        StartClosing();
    }

    private void StartClosing()
    {
        Timers.StartSingleTimer("close", SessionProtocol.CloseTimeout.Instance, Settings.CloseTimeout);
        StopIfClosed();
    }

    private void OnTerminated(Terminated message)
    {
        foreach (var (index, leg) in _substreams)
        {
            if (leg.Equals(message.ActorRef))
            {
                _substreams.Remove(index);
                break;
            }
        }

        if (message.ActorRef.Equals(Edge))
        {
            Edge = null;
        }

        StopIfClosed();
    }

    private void StopIfClosed()
    {
        if (_closing && _substreams.Count == 0 && Edge is null)
        {
            Context.Stop(Self);
        }
    }

    private void OnCloseTimeout()
    {
        Log.CloseTimedOut(Context.Log, SessionId, _substreams.Count + (Edge is null ? 0 : 1));
        Context.Stop(Self);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "session {Session} finished cleanly")]
        public static partial void Completed(ILogger logger, Guid session);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "session {Session} aborted: {Reason}")]
        public static partial void Aborted(ILogger logger, Guid session, string reason);

        [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "session {Session}: {Count} sockets did not close in time; resetting them")]
        public static partial void CloseTimedOut(ILogger logger, Guid session, int count);
    }
}
