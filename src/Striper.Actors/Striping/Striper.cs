using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Actors.Striping;

/// <summary>
/// One per session and direction: takes chunks from the edge leg, gives each a stream offset, schedules it onto the
/// substream that would deliver it first (<see cref="SubstreamScheduler"/>) and keeps it until the far side
/// acknowledges it. Acknowledgements echo send stamps, so each substream has its own RTT and delivery rate.
/// When a substream dies or stalls its unacknowledged chunks go out again on the others (the far Reassembler drops
/// duplicates by offset). The edge may read only up to the credit limit the far Reassembler grants, so nothing
/// here grows beyond the credit window.
/// </summary>
internal sealed partial class Striper : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    // Reads granted ahead of what the edge has read: enough to keep it reading while the grants travel, little
    // enough that a quiet connection ties up next to nothing of the proxy's buffer budget. Grants go out when
    // half of it has been read, not per chunk: each one is a message and a wake-up of the edge's receive loop.
    private const int ReadAheadChunks = 8;
    private static readonly TimeSpan StallCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly ProxyMetrics _metrics;
    private readonly ConnectionStats? _stats;
    private readonly SubstreamScheduler _scheduler;
    private readonly StallDetector _stallDetector;
    private readonly HeadOfLineRescue _rescue;
    private readonly List<SubstreamSlot> _slots = [];
    private readonly Queue<BufferLease> _pending = new();
    private readonly PriorityQueue<SentChunk, long> _resend = new();
    private readonly BufferShare _buffers;
    private readonly OrphanedLeases? _orphans;
    private readonly long _readAhead;
    private readonly int _chunkSize;
    private IActorRef? _edge;
    private long _nextOffset;
    private long _creditLimit;
    private long _readGranted;
    private long _edgeRead;
    private long _farDelivered;
    private bool _edgeEnded;
    private bool _finSent;

    // A FIN went out at least once: FinDelivered counts from then on, even while the FIN waits to be resent.
    private bool _finOffered;
    private int _finSlot = -1;
    private bool _finDelivered;

    /// <param name="orphans">Where to leave the chunks still unacknowledged when this Striper stops, for its session to
    /// return once every leg has closed its socket; null where a leg may keep reading them after that (MSP).</param>
    /// <param name="stats">The session's status view: edge bytes, resends and each substream's path as this side sees it.</param>
    public Striper(StriperSettings settings, ProxyMetrics metrics, BufferBudget budget, OrphanedLeases? orphans, ConnectionStats? stats)
    {
        _metrics = metrics;
        _stats = stats;
        _orphans = orphans;
        var self = Self;
        _buffers = budget.Join(settings.ChunkSize, () => self.Tell(BuffersFreed.Instance));
        _readAhead = ReadAheadChunks * (long)settings.ChunkSize;
        _chunkSize = settings.ChunkSize;
        _scheduler = new SubstreamScheduler(Clock, settings.ChunkSize, settings.SubstreamInFlightLimit, settings.TargetDelay);
        _stallDetector = new StallDetector(Clock, settings.StallTimeout);
        _rescue = new HeadOfLineRescue(Clock);
        Receive<EdgeAttached>(m =>
        {
            _edge = m.Leg;
            GrantEdgeCredit();
        });
        Receive<SubstreamAttached>(OnSubstreamAttached);
        Receive<EdgeData>(OnEdgeData);
        Receive<EdgeEnded>(OnEdgeEnded);
        Receive<AckReceived>(OnAck);
        Receive<SubstreamEnded>(m => Lose(Find(m.Slot), m.Reason));
        Receive<StallCheck>(_ => CheckForStalls());
        Receive<RescueCheck>(_ => TrySend());
        Receive<BuffersFreed>(_ => GrantEdgeCredit());
        Receive<RetireSubstream>(OnRetire);
    }

    public static Props Props(StriperSettings settings, ProxyMetrics metrics, BufferBudget budget, OrphanedLeases? orphans = null, ConnectionStats? stats = null) =>
        Akka.Actor.Props.Create(() => new Striper(settings, metrics, budget, orphans, stats));

    private TimeProvider Clock { get; } = Context.Clock();

    protected override void PreStart() => Timers.StartPeriodicTimer("stall-check", StallCheck.Instance, StallCheckInterval);

    protected override void PostStop()
    {
        // Pending chunks were never handed out: return them. Retained chunks may still sit in a leg's
        // mailbox or socket, so they go to the session, which returns them once its legs have stopped.
        while (_pending.TryDequeue(out var lease))
        {
            lease.Dispose();
        }

        if (_orphans is not null)
        {
            foreach (var slot in _slots)
            {
                foreach (var chunk in slot.Unacked)
                {
                    _orphans.Add(chunk.Lease);
                }
            }

            foreach (var (chunk, _) in _resend.UnorderedItems)
            {
                _orphans.Add(chunk.Lease);
            }
        }

        _buffers.Dispose();
    }

    private void OnSubstreamAttached(SubstreamAttached message)
    {
        _slots.RemoveAll(s => !s.Alive);
        _slots.Add(new SubstreamSlot(message.Slot, message.Index, message.Leg, Clock.GetTimestamp()));
        TrySend();
    }

    private void OnEdgeData(EdgeData message)
    {
        _edgeRead += message.Lease.Length;
        _metrics.AddOut(message.Lease.Length);
        _stats?.AddOut(message.Lease.Length);
        _pending.Enqueue(message.Lease);
        GrantEdgeCredit();
        TrySend();
    }

    private void OnEdgeEnded(EdgeEnded message)
    {
        if (message.Error is not null)
        {
            Context.Parent.Tell(new SessionFailed(SessionAbortReason.EdgeReset, "edge connection failed: " + message.Error.Message));
            return;
        }

        _edgeEnded = true;
        TrySend();
    }

    private void OnAck(AckReceived message)
    {
        message.Credit?.Grant(ProtocolConstants.AckPayloadSize);
        if (Find(message.Slot) is { } slot)
        {
            OnSubstreamAck(slot, message);
        }

        // The credit limit and FinDelivered describe the far side's whole direction, not the substream: they count
        // even on an ACK that arrives late from a substream already given up (declared stalled under load, then
        // resumed), since it may be the only place the far side said so.
        // What the far side has delivered will not be asked for again, so its bytes leave this side's budget.
        if (message.Ack.Delivered > _farDelivered)
        {
            _buffers.Return(message.Ack.Delivered - _farDelivered);
            _farDelivered = message.Ack.Delivered;
            _stats?.SetOutDelivered(_farDelivered);
        }

        _creditLimit = Math.Max(_creditLimit, message.Ack.CreditLimit);
        GrantEdgeCredit();

        if ((message.Flags & FrameFlags.FinDelivered) != 0 && _finOffered && !_finDelivered)
        {
            _finDelivered = true;
            Context.Parent.Tell(OutboundFinished.Instance);
        }

        TrySend();
    }

    private void OnSubstreamAck(SubstreamSlot slot, AckReceived message)
    {
        var now = Clock.GetTimestamp();
        if (message.StampEcho != 0)
        {
            slot.Estimator.OnRttSample(Clock.GetElapsedTime(message.StampEcho, now));
        }

        if (message.Received > slot.Acked)
        {
            while (slot.Unacked.TryPeek(out var chunk) && chunk.SubstreamEnd <= message.Received)
            {
                slot.Unacked.Dequeue().Release();
            }

            _stats?.AddOutCarried(message.Received - slot.Acked);
            slot.Acked = message.Received;
            slot.LastProgress = now;
            slot.Estimator.OnAcked(slot.Acked, now, Clock);
        }

        _stats?.Substream(slot.Index)?.SetPath(slot.InFlight, slot.Estimator.SmoothedRtt, slot.Estimator.MinRtt, slot.Estimator.DeliveryRate);
        RetireIfDrained(slot);
    }

    private void OnRetire(RetireSubstream message)
    {
        foreach (var slot in _slots)
        {
            if (slot.Alive && slot.Index == message.Index)
            {
                slot.Retiring = true;
                RetireIfDrained(slot);
            }
        }

        // What it would have carried goes to the others.
        TrySend();
    }

    /// <summary>A retiring substream whose data (and FIN, if it carries ours) is all acknowledged is closed cleanly.</summary>
    private void RetireIfDrained(SubstreamSlot slot)
    {
        if (!slot.Retiring || !slot.Alive || slot.InFlight > 0 || (_finSlot == slot.Id && !_finDelivered))
        {
            return;
        }

        slot.Alive = false;
        Context.Parent.Tell(new SubstreamRetired(slot.Id, slot.Index));
    }

    private void CheckForStalls()
    {
        var finSlot = _finSent && !_finDelivered ? _finSlot : -1;
        foreach (var (slot, reason) in _stallDetector.FindStalled(_slots, finSlot, Clock.GetTimestamp()))
        {
            Lose(slot, reason);
        }

        TrySend();
    }

    private void Lose(SubstreamSlot? slot, string? reason)
    {
        if (slot is null || !slot.Alive)
        {
            return;
        }

        slot.Alive = false;
        var resend = slot.Unacked.Count;
        while (slot.Unacked.TryDequeue(out var chunk))
        {
            _resend.Enqueue(chunk with { Shared = true }, chunk.Offset);
        }

        if (_finSlot == slot.Id && !_finDelivered)
        {
            _finSent = false;
        }

        var remaining = _slots.Count(s => s.Alive);
        if (!_finDelivered && reason is null)
        {
            // A peer closes a substream cleanly mid-connection on purpose (an auto-sized client shrinking).
            Log.SubstreamClosed(Context.Logger(), Self.Path.ToString(), slot.Index, resend, remaining);
        }
        else if (!_finDelivered)
        {
            Log.SubstreamLost(Context.Logger(), Self.Path.ToString(), slot.Index, reason!, resend, remaining);
        }
        else if (reason is not null)
        {
            // Everything this side sent has been delivered, so nothing is lost; the far proxy closing its end first
            // (an MSP substream's link going with it) is the usual way this happens.
            Log.SubstreamLostAfterFinish(Context.Logger(), Self.Path.ToString(), slot.Index, reason);
        }

        Context.Parent.Tell(new SubstreamDown(slot.Id, slot.Index, remaining, reason));
        TrySend();
    }

    private SubstreamSlot? Find(int id)
    {
        foreach (var slot in _slots)
        {
            if (slot.Id == id && slot.Alive)
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>
    /// The edge may read as far as the far side's credit reaches, some chunks ahead of what it has read, and as far
    /// as this proxy's buffer budget allows: what is read is kept until the far side has delivered it, so it is
    /// taken from the budget before it is granted.
    /// </summary>
    private void GrantEdgeCredit()
    {
        var limit = Math.Min(_creditLimit, _edgeRead + _readAhead);
        if (_edge is null || _edgeEnded || limit <= _readGranted || _readGranted - _edgeRead > _readAhead / 2)
        {
            return;
        }

        var granted = _buffers.Take(limit - _readGranted);
        if (granted > 0)
        {
            _edge.Tell(new TcpLegProtocol.GrantRead(granted));
            _readGranted += granted;
        }
    }

    private void TrySend()
    {
        var now = Clock.GetTimestamp();
        while (NextChunk() is { } next)
        {
            var slot = _scheduler.Pick(_slots, next.Lease.Length, now, out var length);
            if (slot is null)
            {
                break;
            }

            // NextChunk offers resends first, so a non-empty resend queue means this piece is one.
            var resent = _resend.Count > 0;
            var chunk = Take(next, length);
            if (resent)
            {
                _metrics.AddResent(chunk.Lease.Length);
                _stats?.AddResent(chunk.Lease.Length);
            }

            Dispatch(slot, chunk, now);
        }

        RescueHeadOfLine(now);

        if (_edgeEnded && !_finSent && !_finDelivered && _pending.Count == 0 && _resend.Count == 0)
        {
            var slot = _scheduler.Pick(_slots, 0, now, out _);
            if (slot is not null)
            {
                if (slot.InFlight == 0)
                {
                    slot.LastProgress = now;
                }

                _finSent = true;
                _finOffered = true;
                _finSlot = slot.Id;
                slot.Leg.Tell(new TcpLegProtocol.WriteFin(_nextOffset));
            }
        }
    }

    /// <summary>
    /// While the connection waits on one late chunk (<see cref="HeadOfLineRescue"/>), copies it onto the substream
    /// that would deliver it first. Only when everything read is sent and the sender can read no further: credit is
    /// used up, or the application has finished (the transfer's tail then waits on that chunk alone). Until then the
    /// other substreams are carrying new data, and a copy would take their room.
    /// </summary>
    private void RescueHeadOfLine(long now)
    {
        var waitingOnCredit = _edgeRead + _chunkSize > _creditLimit;
        if (_pending.Count > 0 || _resend.Count > 0 || !(waitingOnCredit || _edgeEnded) || _nextOffset <= _farDelivered)
        {
            return;
        }

        if (_rescue.FindLate(_slots, _farDelivered, now, out var lateIn) is not var (holder, chunk))
        {
            // Every ACK while credit holds the sender back comes through here; the chunk's deadline stays put, so
            // one timer for it is enough.
            if (lateIn is { } wait && !Timers.IsTimerActive("rescue-check"))
            {
                Timers.StartSingleTimer("rescue-check", RescueCheck.Instance, wait);
            }

            return;
        }

        var others = _slots.Where(s => s != holder).ToList();
        var target = _scheduler.Pick(others, chunk.Lease.Length, now, out var length);
        if (target is null || length < chunk.Lease.Length)
        {
            // No other substream has room for all of it now; an ACK (or the stall check) brings the next look.
            return;
        }

        _rescue.Rescued(chunk.Offset);
        var copy = new SentChunk(chunk.Offset, BufferLease.CopyOf(chunk.Lease.Span), 0);
        _metrics.AddResent(copy.Lease.Length);
        _stats?.AddResent(copy.Lease.Length);
        Dispatch(target, copy, now);
    }

    /// <summary>Hands a chunk to a substream's leg and keeps it until that substream's ACK covers it.</summary>
    private void Dispatch(SubstreamSlot slot, SentChunk chunk, long now)
    {
        if (slot.InFlight == 0)
        {
            // Silence while idle is not a stall: the clock starts when there is something to acknowledge.
            slot.LastProgress = now;
        }

        slot.Sent += chunk.Lease.Length;
        _metrics.AddSubstreamBytes(slot.Index, chunk.Lease.Length);
        _stats?.Substream(slot.Index)?.AddSent(chunk.Lease.Length);
        slot.Unacked.Enqueue(chunk with { SubstreamEnd = slot.Sent, SentAt = now });
        slot.Leg.Tell(new TcpLegProtocol.WriteData(chunk.Offset, now, chunk.Lease));
    }

    /// <summary>Resends first (lowest offset first, the far side is waiting for them), then new data.</summary>
    private SentChunk? NextChunk()
    {
        if (_resend.TryPeek(out var resend, out _))
        {
            return resend;
        }

        return _pending.TryPeek(out var lease) ? new SentChunk(_nextOffset, lease, 0) : null;
    }

    /// <summary>
    /// Removes the next chunk from its queue, or only its first <paramref name="length"/> bytes when the chosen
    /// substream takes smaller pieces. New data is split in place; a resent lease may still be read by a lost leg,
    /// so it is copied instead.
    /// </summary>
    private SentChunk Take(SentChunk next, int length)
    {
        var isResend = _resend.Count > 0;
        if (length >= next.Lease.Length)
        {
            if (isResend)
            {
                _resend.Dequeue();
            }
            else
            {
                _pending.Dequeue();
                _nextOffset += length;
            }

            return next;
        }

        var piece = new SentChunk(next.Offset, BufferLease.CopyOf(next.Lease.Span[..length]), 0);
        if (isResend)
        {
            _resend.Dequeue();
            var rest = new SentChunk(next.Offset + length, BufferLease.CopyOf(next.Lease.Span[length..]), 0);
            _resend.Enqueue(rest, rest.Offset);
        }
        else
        {
            next.Lease.TrimStart(length);
            _nextOffset += length;
        }

        return piece;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "{Striper}: substream {Index} lost ({Reason}); {Resend} chunks to resend, {Remaining} substreams left")]
        public static partial void SubstreamLost(ILogger logger, string striper, int index, string reason, int resend, int remaining);

        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "{Striper}: substream {Index} closed by the peer; {Resend} chunks to resend, {Remaining} substreams left")]
        public static partial void SubstreamClosed(ILogger logger, string striper, int index, int resend, int remaining);

        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "{Striper}: substream {Index} ended ({Reason}) after everything sent was delivered")]
        public static partial void SubstreamLostAfterFinish(ILogger logger, string striper, int index, string reason);
    }
}
