using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Actors.Striping;

/// <summary>
/// One per session and direction: puts DATA from all substreams back in offset order and writes it to the edge
/// leg. It grants credit as bytes leave through the edge socket: the sender may run at most the credit reach
/// ahead of what has been written (<see cref="CreditReach"/> sizes it to the path), so the reorder buffer plus the
/// edge's queue never exceed it.
/// Every DATA frame is acknowledged on the substream it came on, echoing its stamp.
/// A FIN is applied (edge write side shut down) only once every byte before its offset is delivered.
/// Window updates and FinDelivered, which no later frame repeats, reach every substream, so one that went silent
/// in our sending direction (which only the far side can detect, and only while it has data in flight there)
/// cannot swallow them.
/// </summary>
internal sealed class Reassembler : ReceiveActor, IWithTimers
{
    private const int InitialReachChunks = 4;

    // Below this the reach doubles whenever credit holds the sender back, without asking each doubling for a gain
    // (CreditReach says why): 32 MiB at the default chunk size, a small part of the default budget, whose equal
    // shares still bound it when many connections are busy.
    private const int UncheckedReachChunks = 128;
    private readonly CreditReach _reach;
    private readonly TimeProvider _clock = Context.Clock();
    private readonly long _started;
    private readonly ProxyMetrics? _metrics;
    private readonly ConnectionStats? _stats;
    private readonly BufferShare _buffers;
    private readonly Dictionary<int, ReceiveSlot> _slots = [];
    private readonly PriorityQueue<BufferLease, long> _reorder = new();
    private readonly List<int> _ackOrder = [];

    // Limits announced and not yet reached, lowest first: DATA that ends exactly at one came from a sender that credit
    // held back. The reach grows once per credit loop: only when DATA reaches the limit announced after the last growth.
    private readonly Queue<long> _unreachedLimits = new();

    private IActorRef? _edge;
    private long _delivered;
    private long _written;

    // The highest limit announced; the sender keeps the highest it has heard, so it never comes down.
    private long _creditLimit;

    // Up to here the budget holds bytes for this direction (from _written on). Normally the credit limit; lower after a
    // quiet connection's reach shrank and the bytes it no longer needs went back to the budget (data that still comes
    // that far is taken from the budget as it arrives). Never below the end of what has arrived.
    private long _reservedLimit;
    private long _highestEnd;
    private long _lastAnnounced;
    private long _growthGate;
    private long _finOffset = -1;
    private bool _finApplied;
    private bool _flushQueued;

    /// <param name="metrics">Where bytes written to the edge are counted for the proxy, and <paramref name="stats"/> for the session.</param>
    public Reassembler(StriperSettings settings, BufferBudget budget, ProxyMetrics? metrics, ConnectionStats? stats)
    {
        _metrics = metrics;
        _stats = stats;
        _started = _clock.GetTimestamp();
        _reach = new CreditReach(
            Math.Min(settings.CreditCeiling, InitialReachChunks * (long)settings.ChunkSize),
            settings.CreditCeiling,
            UncheckedReachChunks * (long)settings.ChunkSize);
        var self = Self;
        _buffers = budget.Join(settings.ChunkSize, () => self.Tell(BuffersFreed.Instance));
        Receive<EdgeAttached>(m => _edge = m.Leg);
        Receive<SubstreamAttached>(OnSubstreamAttached);
        Receive<DataReceived>(OnData);
        Receive<FinReceived>(OnFin);
        Receive<TcpLegProtocol.Written>(OnWritten);
        Receive<SubstreamEnded>(OnSubstreamEnded);
        Receive<FlushAcks>(_ => OnFlushAcks());
        Receive<BuffersFreed>(_ => OnBuffersFreed());
        Receive<ReviewCredit>(_ => OnReviewCredit());
    }

    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StriperSettings settings, BufferBudget budget, ProxyMetrics? metrics = null, ConnectionStats? stats = null) =>
        Akka.Actor.Props.Create(() => new Reassembler(settings, budget, metrics, stats));

    /// <summary>Bytes waiting out of order; never more than the credit reach.</summary>
    internal long BufferedBytes { get; private set; }

    protected override void PreStart()
    {
        ExtendCredit();
        Timers.StartPeriodicTimer("review-credit", ReviewCredit.Instance, CreditReach.ReviewPeriod);
    }

    protected override void PostStop()
    {
        // Out-of-order chunks belong to nobody else: safe to return.
        while (_reorder.TryDequeue(out var lease, out _))
        {
            lease.Dispose();
        }

        _buffers.Dispose();
    }

    private void OnSubstreamAttached(SubstreamAttached message)
    {
        _slots[message.Slot] = new ReceiveSlot(message.Leg);
        _ackOrder.Add(message.Slot);

        // The first ACK on a fresh substream tells the sender its initial credit.
        SendAck(message.Slot);
    }

    private void OnData(DataReceived message)
    {
        var lease = message.Lease;
        message.Credit?.Grant(lease.Length);
        if (!_slots.TryGetValue(message.Slot, out var slot))
        {
            lease.Dispose();
            return;
        }

        slot.Received += lease.Length;
        _stats?.AddInCarried(lease.Length);
        slot.LastStamp = message.Stamp;
        var end = message.Offset + lease.Length;
        if (end > _creditLimit)
        {
            lease.Dispose();
            Context.Parent.Tell(new SubstreamMisbehaved(message.Slot, $"DATA up to offset {end} beyond the credit limit {_creditLimit}"));
            return;
        }

        if (_finOffset >= 0 && end > _finOffset)
        {
            lease.Dispose();
            Context.Parent.Tell(new SubstreamMisbehaved(message.Slot, $"DATA up to offset {end} after FIN at {_finOffset}"));
            return;
        }

        if (end > _reservedLimit)
        {
            // Within credit granted before a quiet spell handed its bytes back: they are in use now, whatever is left.
            _buffers.Force(end - _reservedLimit);
            _reservedLimit = end;
        }

        _highestEnd = Math.Max(_highestEnd, end);
        var creditBound = StoppedAtLimit(end) && end >= _growthGate && _delivered - _written < _reach.Current / 4;
        if (_reach.OnArrival(end - _written, creditBound, _written, _clock.GetElapsedTime(_started)))
        {
            // The ACK this DATA is owed carries the new limit.
            ExtendCredit();
            _growthGate = _creditLimit;
        }

        if (message.Offset <= _delivered)
        {
            Deliver(lease, message.Offset);
            DrainReorder();
            TryApplyFin();
        }
        else
        {
            _reorder.Enqueue(lease, message.Offset);
            BufferedBytes += lease.Length;
        }

        OweAck(slot);
    }

    /// <summary>
    /// ACKs are coalesced per burst: the first DATA that needs one queues a flush message behind whatever is already
    /// in the mailbox, so frames that arrived together share one ACK per substream (one frame and one syscall on the
    /// way back instead of one per DATA), yet no ACK waits for a timer.
    /// </summary>
    private void OweAck(ReceiveSlot slot)
    {
        slot.OwesAck = true;
        if (!_flushQueued)
        {
            _flushQueued = true;
            Self.Tell(FlushAcks.Instance);
        }
    }

    private void OnFlushAcks()
    {
        _flushQueued = false;
        foreach (var (id, slot) in _slots)
        {
            if (slot.OwesAck)
            {
                SendAck(id);
            }
        }
    }

    private void OnFin(FinReceived message)
    {
        message.Credit?.Grant(0);
        if ((_finOffset >= 0 && _finOffset != message.FinalOffset) || message.FinalOffset < _delivered)
        {
            Context.Parent.Tell(new SubstreamMisbehaved(message.Slot, $"FIN at {message.FinalOffset} contradicts the stream (delivered {_delivered}, FIN {_finOffset})"));
            return;
        }

        _finOffset = message.FinalOffset;
        TryApplyFin();
        SendAck(message.Slot);
    }

    private void OnWritten(TcpLegProtocol.Written message)
    {
        _written += message.Bytes;
        _metrics?.AddIn(message.Bytes);
        _stats?.AddIn(message.Bytes);
        _buffers.Return(message.Bytes);
        ExtendCredit();
        AnnounceCredit();
    }

    private void OnBuffersFreed()
    {
        ExtendCredit();
        AnnounceCredit();
    }

    /// <summary>Whether DATA ending at <paramref name="end"/> stopped exactly at a limit this side announced.</summary>
    private bool StoppedAtLimit(long end)
    {
        while (_unreachedLimits.TryPeek(out var limit) && limit < end)
        {
            _unreachedLimits.Dequeue();
        }

        return _unreachedLimits.TryPeek(out var next) && next == end;
    }

    private void OnReviewCredit()
    {
        if (!_reach.Review())
        {
            return;
        }

        // What the smaller reach no longer covers, and no data occupies, goes back to the budget for other connections.
        var floor = Math.Max(_written + _reach.Current, _highestEnd);
        if (_reservedLimit > floor)
        {
            _buffers.Return(_reservedLimit - floor);
            _reservedLimit = floor;
        }
    }

    /// <summary>
    /// Credit reaches ahead of what was written, as far as the proxy's buffer budget allows: bytes granted are
    /// taken from the budget first, and given back as they are written to the edge.
    /// </summary>
    private void ExtendCredit()
    {
        var target = _written + _reach.Current;
        if (target > _reservedLimit)
        {
            _reservedLimit += _buffers.Take(target - _reservedLimit);
        }

        _creditLimit = Math.Max(_creditLimit, _reservedLimit);
    }

    /// <summary>
    /// Data ACKs carry the limit anyway; a separate update is only worth it when the sender may be starved.
    /// Every substream is kept within a quarter window of the current limit, not just one of them: a sender
    /// starved of credit has nothing in flight, so it cannot notice that the substream carrying the update went
    /// silent, and nothing here would repeat the update. One limit swallowed by a stalled path (or raised only
    /// on it) would then hang the direction for good. Substreams that carry DATA stay fresh through their ACKs.
    /// While the budget holds the credit short of its reach, every rise is announced: the sender may be waiting
    /// for just that.
    /// </summary>
    private void AnnounceCredit()
    {
        if (_finApplied)
        {
            return;
        }

        var step = _creditLimit - _written < _reach.Current ? 1 : _reach.Current / 4;
        foreach (var slotId in _ackOrder)
        {
            if (_creditLimit - _slots[slotId].AnnouncedLimit >= step)
            {
                SendAck(slotId);
            }
        }
    }

    private void OnSubstreamEnded(SubstreamEnded message)
    {
        // Whether the session can go on without it is the session's call (it waits out a grace period).
        if (_slots.Remove(message.Slot))
        {
            _ackOrder.Remove(message.Slot);
        }
    }

    private void Deliver(BufferLease lease, long offset)
    {
        var end = offset + lease.Length;
        if (end <= _delivered)
        {
            lease.Dispose();
            return;
        }

        lease.TrimStart((int)(_delivered - offset));
        _delivered = end;
        if (_edge is null)
        {
            lease.Dispose();
            return;
        }

        _edge.Tell(new TcpLegProtocol.WriteRaw(lease));
    }

    private void DrainReorder()
    {
        while (_reorder.TryPeek(out var lease, out var offset) && offset <= _delivered)
        {
            _reorder.Dequeue();
            BufferedBytes -= lease.Length;
            Deliver(lease, offset);
        }
    }

    private void TryApplyFin()
    {
        if (_finApplied || _finOffset < 0 || _delivered != _finOffset)
        {
            return;
        }

        _finApplied = true;

        // Every live substream hears it, so the sender learns even if some of them die now. These ACKs are queued
        // before the edge hears of the end: once the edge has written its FIN, the session half-closes every
        // substream, and a half-close queued ahead of the last ACK would leave the far side waiting for it (its
        // session then sat out the whole resume window; seen about once in six runs of ConnectionLeakTests).
        foreach (var slotId in _ackOrder)
        {
            SendAck(slotId);
        }

        _edge?.Tell(TcpLegProtocol.Shutdown.Instance);
        Context.Parent.Tell(InboundComplete.Instance);
    }

    private void SendAck(int slotId)
    {
        if (!_slots.TryGetValue(slotId, out var slot))
        {
            return;
        }

        slot.OwesAck = false;
        slot.AnnouncedLimit = _creditLimit;
        if (_creditLimit > _lastAnnounced)
        {
            _lastAnnounced = _creditLimit;
            _unreachedLimits.Enqueue(_creditLimit);
        }

        var flags = _finApplied ? FrameFlags.FinDelivered : FrameFlags.None;
        slot.Leg.Tell(new TcpLegProtocol.WriteAck(slot.Received, slot.LastStamp, flags, new AckPayload(_delivered, _creditLimit)));

        // A stamp is echoed once. A window update sent later on an idle substream would otherwise echo the stamp of
        // its last DATA, seconds old, and the sender would take that for the substream's round trip and avoid it
        // (seen in the status view: idle loopback substreams at 1-4 s RTT, one substream carrying 98 %).
        slot.LastStamp = 0;
    }
}
