using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Actors.Striping;
using Striper.Actors.Transport;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Actors.Sessions;

/// <summary>
/// What both ends of a tunnelled connection share: an edge leg, substream legs, a Striper for the outbound
/// direction and a Reassembler for the inbound one. Subclasses only differ in how legs come to exist
/// (the client dials and re-dials, the server accepts and connects to its target).
///
/// Life: Streaming → Closing. The session finishes when its outbound FIN has been delivered by the far side
/// and its inbound FIN has been written to the edge; it then half-closes every substream and waits (bounded by
/// the close timeout) for the far side to do the same, so no late frame meets a reset. Losing substreams is not
/// fatal: their chunks go out on the others. Losing all of them is not fatal either: the session keeps its data and
/// both edges for the resume window while the client re-dials, and carries on when substreams join again; only
/// a window without any substream aborts it. An abort (edge reset, peer RST, grace expired) resets the edge, sends RST on the substreams and closes
/// them the same way. A session is never restarted: any failure of its children escalates, and its parent stops it.
/// </summary>
internal abstract partial class SessionActor : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// What an open connection holds per substream, and for its edge, apart from data: actors, sockets, receive
    /// loops. Measured at 24-31 KiB per TCP leg with 200 idle connections of 8 substreams through a proxy pair;
    /// an MSP substream has a UDP socket of its own with an 84,000-byte receive buffer and a thread on top.
    /// </summary>
    internal const long TcpLegCost = 32 * 1024;

    internal const long MspLegCost = 128 * 1024;

    private const string ResumeTimer = "resume";
    private readonly Dictionary<int, SubstreamLeg> _substreams = [];
    private readonly string _peer;
    private readonly string _target;
    private int _nextSlot;
    private bool _inboundFinished;
    private bool _inboundComplete;
    private BudgetedMemoryPool? _receivePool;

    // When the last substream went (a Stopwatch timestamp), while the session waits to resume; 0 otherwise.
    private long _allDownSince;

    // An MSP stream keeps reading a leg's buffers after the leg has stopped (it may resend them), so only
    // TCP-only sessions take their Striper's unacknowledged chunks back.
    private OrphanedLeases? _orphans;

    /// <param name="peer">Who is at the other end of this proxy's side of the connection, for the status view.</param>
    /// <param name="target">Where the connection's bytes go from here, for the status view.</param>
    protected SessionActor(StriperSettings settings, ProxyMetrics metrics, BufferBudget buffers, Guid sessionId, string peer, string target)
    {
        Settings = settings;
        Metrics = metrics;
        Buffers = buffers;
        SessionId = sessionId;
        _peer = peer;
        _target = target;
    }

    protected StriperSettings Settings { get; }

    protected ProxyMetrics Metrics { get; }

    /// <summary>What all of this proxy's connections may hold in data buffers together.</summary>
    protected BufferBudget Buffers { get; }

    /// <summary>Substream legs' receive buffers, charged to <see cref="Buffers"/> while held.</summary>
    private BudgetedMemoryPool ReceivePool => _receivePool ??= new BudgetedMemoryPool(Buffers);

    protected Guid SessionId { get; }

    /// <summary>What the status view shows of this connection; registered with <see cref="Metrics"/> while it lives.</summary>
    protected ConnectionStats Stats { get; private set; } = null!;

    protected IActorRef StriperActor { get; private set; } = ActorRefs.Nobody;

    protected IActorRef ReassemblerActor { get; private set; } = ActorRefs.Nobody;

    protected IActorRef? Edge { get; private set; }

    protected bool IsClosing { get; private set; }

    /// <summary>Every substream is gone and the session waits, within its resume window, for new ones.</summary>
    protected bool IsResuming => _allDownSince != 0;

    /// <summary>The far side has every outbound byte and the FIN.</summary>
    protected bool OutboundFinished { get; private set; }

    /// <summary>
    /// False once the far side has every outbound byte and every inbound byte has reached the edge leg: the far
    /// side may then finish and forget the session while our edge is still writing, so a lost substream is
    /// neither replaced nor waited for (a re-dial would be refused as an unknown session, and the grace period
    /// must not reset an edge that only drains slowly).
    /// </summary>
    protected bool SubstreamsNeeded => !(OutboundFinished && _inboundComplete);

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Escalate);

    /// <summary>Substreams this connection may run: the client's stripes (or its auto maximum), or what the client asked the server for.</summary>
    protected virtual int SubstreamCount => Settings.SessionSubstreams;

    private bool UsesMsp => (Settings.Transport & SubstreamTransports.Msp) != 0;

    /// <summary>
    /// A clean close of a substream before the connection has finished: the client takes it for a loss (a server does
    /// not close substreams early) and dials again; the server takes it for what a client does on purpose.
    /// </summary>
    protected virtual bool CleanCloseIsLoss => true;

    protected override void PreStart()
    {
        Stats = new ConnectionStats(SessionId, _peer, _target, SubstreamCount, Context.Clock().GetUtcNow());
        Metrics.SessionOpened(Stats);
        Buffers.Charge(TcpLegCost);
        _orphans = UsesMsp ? null : new OrphanedLeases();
        StriperActor = Context.ActorOf(Striping.Striper.Props(Settings, Metrics, Buffers, _orphans, Stats), "striper");
        ReassemblerActor = Context.ActorOf(Reassembler.Props(Settings, Buffers, Metrics, Stats), "reassembler");
    }

    protected override void PostStop()
    {
        Metrics.SessionClosed(Stats);
        Buffers.Refund(TcpLegCost + _substreams.Values.Sum(s => s.Cost));

        // Every child has stopped by now, and with them every leg's socket.
        _orphans?.ReturnAll();
    }

    /// <summary>Registers the handlers both ends share; subclasses call it from their constructor after their own.</summary>
    protected void ReceiveSessionMessages()
    {
        Receive<StriperProtocol.OutboundFinished>(_ =>
        {
            OutboundFinished = true;
            OnProgress();
        });
        Receive<StriperProtocol.InboundComplete>(_ =>
        {
            _inboundComplete = true;
            OnProgress();
        });
        Receive<TcpLegProtocol.OutputEnded>(OnLegOutputEnded);

        // The leg has logged the violation and is resetting; its input end arrives as SubstreamEnded.
        Receive<TcpLegProtocol.Violation>(_ => { });
        Receive<SubstreamDown>(OnSubstreamDown);
        Receive<SubstreamRetired>(OnSubstreamRetired);
        Receive<SubstreamMisbehaved>(m => _substreams.GetValueOrDefault(m.Slot)?.Leg.Tell(new TcpLegProtocol.Abort(m.Reason)));
        Receive<SessionFailed>(m => Abort(m.Reason, m.Detail, sendRst: true));
        Receive<RstReceived>(m => Abort(m.Reason, $"the peer reset the session ({m.Reason})", sendRst: false));
        Receive<Terminated>(OnTerminated);
        Receive<SessionProtocol.ResumeWindowExpired>(_ => Abort(
            SessionAbortReason.SubstreamsLost, $"no substream came back within the resume window ({Settings.ResumeWindow.TotalSeconds:0.#}s)", sendRst: false));
        Receive<SessionProtocol.CloseTimeout>(_ => OnCloseTimeout());
    }

    /// <summary>A substream was lost while the session goes on: the client dials a replacement here.</summary>
    protected virtual void OnSubstreamLost(int index, string? reason)
    {
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

    /// <summary>
    /// Adds a substream leg. A leg that already holds the same index is reset and replaced: the client only
    /// dials an index again once it has given that substream up, even if this side has not noticed yet.
    /// </summary>
    protected void AttachSubstream(int index, SubstreamConnection connection, byte[]? preamble = null, SubstreamCipher? cipher = null)
    {
        foreach (var (_, existing) in _substreams)
        {
            if (existing.Index == index)
            {
                existing.Leg.Tell(new TcpLegProtocol.Abort("replaced by a new connection for the same substream"));
            }
        }

        var slot = ++_nextSlot;
        // The leg announces itself to the Striper and the Reassembler (SubstreamAttached) from its PreStart.
        var inbound = new SubstreamInbound(slot, StriperActor, ReassemblerActor, Self, Settings.MaxFramePayload, cipher?.Opener, announceIndex: index);
        var leg = Context.ActorOf(connection.LegProps(inbound, Settings.ReceiveBufferSize, preamble, cipher?.Sealer, ReceivePool), $"sub-{index}-{slot}");
        connection.LegStarted(leg, Stats.Substream(index));
        Context.Watch(leg);
        var cost = connection is MspSubstreamConnection ? MspLegCost : TcpLegCost;
        Buffers.Charge(cost);
        _substreams[slot] = new SubstreamLeg(index, leg, cost);
        if (Stats.Substream(index) is { } stats)
        {
            stats.SetTransport(connection is MspSubstreamConnection);
            stats.SetState(SubstreamState.Up);
        }

        if (IsResuming)
        {
            Log.Resumed(Context.Logger(), SessionId, Stopwatch.GetElapsedTime(_allDownSince).TotalSeconds);
            _allDownSince = 0;
        }

        Timers.Cancel(ResumeTimer);
    }

    /// <summary>Resets everything and closes; the reason is logged once, here.</summary>
    protected void Abort(SessionAbortReason reason, string detail, bool sendRst)
    {
        if (IsClosing)
        {
            return;
        }

        IsClosing = true;
        Log.Aborted(Context.Logger(), SessionId, detail);
        Edge?.Tell(new TcpLegProtocol.Abort(detail));
        Context.Stop(StriperActor);
        Context.Stop(ReassemblerActor);
        foreach (var substream in _substreams.Values)
        {
            if (sendRst)
            {
                substream.Leg.Tell(new TcpLegProtocol.WriteRst(reason));
            }

            substream.Leg.Tell(TcpLegProtocol.Shutdown.Instance);
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
        if (_substreams.TryGetValue(message.Slot, out var substream))
        {
            // A clean end is answered with our half-close; a failed or stalled one is reset.
            substream.Leg.Tell(message.Reason is null ? TcpLegProtocol.Shutdown.Instance : new TcpLegProtocol.Abort(message.Reason));
        }

        if (IsClosing)
        {
            return;
        }

        // A clean close after our outbound finished is the far side finishing too, not a loss.
        var lost = (message.Reason is not null || (!OutboundFinished && CleanCloseIsLoss)) && SubstreamsNeeded;
        if (!HasNewerLeg(message.Index, message.Slot))
        {
            Stats.Substream(message.Index)?.SetState(lost ? SubstreamState.Lost : SubstreamState.Closed);
        }

        if (lost)
        {
            Metrics.SubstreamLost();

            // A leg that was already replaced (an index retired and dialled again) needs no replacement of its own.
            if (!HasNewerLeg(message.Index, message.Slot))
            {
                OnSubstreamLost(message.Index, message.Reason);
            }
        }

        if (message.Remaining == 0 && SubstreamsNeeded && !IsResuming)
        {
            _allDownSince = Stopwatch.GetTimestamp();
            Log.AllDown(Context.Logger(), SessionId, Settings.ResumeWindow.TotalSeconds);
            Timers.StartSingleTimer(ResumeTimer, SessionProtocol.ResumeWindowExpired.Instance, Settings.ResumeWindow);
        }
    }

    /// <summary>The Striper has everything a retired substream carried acknowledged: half-close it, as at the end.</summary>
    private void OnSubstreamRetired(SubstreamRetired message)
    {
        if (_substreams.TryGetValue(message.Slot, out var substream))
        {
            substream.Leg.Tell(TcpLegProtocol.Shutdown.Instance);
        }

        if (!HasNewerLeg(message.Index, message.Slot))
        {
            Stats.Substream(message.Index)?.SetState(SubstreamState.Closed);
        }
    }

    /// <summary>A replacement for this index attached before the old leg's end was reported.</summary>
    private bool HasNewerLeg(int index, int slot)
    {
        foreach (var (other, substream) in _substreams)
        {
            if (other > slot && substream.Index == index)
            {
                return true;
            }
        }

        return false;
    }

    private void OnProgress()
    {
        if (!SubstreamsNeeded)
        {
            Timers.Cancel(ResumeTimer);
            _allDownSince = 0;
        }

        CompleteIfDone();
    }

    private void CompleteIfDone()
    {
        if (IsClosing || !OutboundFinished || !_inboundFinished)
        {
            return;
        }

        IsClosing = true;
        Log.Completed(Context.Logger(), SessionId);
        foreach (var substream in _substreams.Values)
        {
            substream.Leg.Tell(TcpLegProtocol.Shutdown.Instance);
        }

        StartClosing();
    }

    private void StartClosing()
    {
        Timers.Cancel(ResumeTimer);
        Timers.StartSingleTimer("close", SessionProtocol.CloseTimeout.Instance, Settings.CloseTimeout);
        StopIfClosed();
    }

    private void OnTerminated(Terminated message)
    {
        foreach (var (slot, substream) in _substreams)
        {
            if (substream.Leg.Equals(message.ActorRef))
            {
                _substreams.Remove(slot);
                Buffers.Refund(substream.Cost);
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
        if (IsClosing && _substreams.Count == 0 && Edge is null)
        {
            Context.Stop(Self);
        }
    }

    private void OnCloseTimeout()
    {
        Log.CloseTimedOut(Context.Logger(), SessionId, _substreams.Count + (Edge is null ? 0 : 1));
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

        [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "session {Session}: every substream is down; keeping the connection for up to {Seconds:0.#}s while substreams are re-dialled")]
        public static partial void AllDown(ILogger logger, Guid session, double seconds);

        [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "session {Session} resumed after {Seconds:0.0}s without substreams")]
        public static partial void Resumed(ILogger logger, Guid session, double seconds);
    }
}
