using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Actors.Striping;

/// <summary>
/// One per session and direction: takes chunks from the edge leg, gives each a stream offset, schedules it onto a
/// substream and keeps it until the far side acknowledges it. When a substream dies its unacknowledged chunks
/// go out again on the others (the far Reassembler drops duplicates by offset). The edge may read only up to the
/// credit limit the far Reassembler grants, so nothing here grows beyond the credit window.
/// </summary>
internal sealed partial class Striper : ReceiveActor
{
    private readonly SubstreamScheduler _scheduler;
    private readonly List<SubstreamSlot> _slots = [];
    private readonly Queue<BufferLease> _pending = new();
    private readonly PriorityQueue<SentChunk, long> _resend = new();
    private IActorRef? _edge;
    private long _nextOffset;
    private long _creditLimit;
    private long _readGranted;
    private bool _edgeEnded;
    private bool _finSent;
    private int _finSlot = -1;
    private bool _finDelivered;

    private readonly ProxyMetrics _metrics;

    public Striper(StriperSettings settings, ProxyMetrics metrics)
    {
        _metrics = metrics;
        _scheduler = new SubstreamScheduler(settings.SubstreamInFlightLimit);
        Receive<EdgeAttached>(m =>
        {
            _edge = m.Leg;
            GrantEdgeCredit();
        });
        Receive<SubstreamAttached>(OnSubstreamAttached);
        Receive<EdgeData>(OnEdgeData);
        Receive<EdgeEnded>(OnEdgeEnded);
        Receive<AckReceived>(OnAck);
        Receive<SubstreamEnded>(OnSubstreamEnded);
    }

    public static Props Props(StriperSettings settings, ProxyMetrics metrics) => Runtime.Props.Create(() => new Striper(settings, metrics));

    private long Now => Context.System.TimeProvider.GetTimestamp();

    protected override void PostStop()
    {
        // Pending chunks were never handed out: return them. Retained chunks may still sit in a leg's
        // mailbox, so they are left to the garbage collector rather than returned while possibly in use.
        while (_pending.TryDequeue(out var lease))
        {
            lease.Dispose();
        }
    }

    private void OnSubstreamAttached(SubstreamAttached message)
    {
        _slots.RemoveAll(s => s.Index == message.Index && !s.Alive);
        _slots.Add(new SubstreamSlot(message.Index, message.Leg));
        TrySend();
    }

    private void OnEdgeData(EdgeData message)
    {
        _pending.Enqueue(message.Lease);
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
        var slot = Find(message.Index);
        if (slot is null)
        {
            return;
        }

        while (slot.Unacked.TryPeek(out var chunk) && chunk.SubstreamEnd <= message.Received)
        {
            slot.Unacked.Dequeue().Lease.Dispose();
        }

        slot.Acked = Math.Max(slot.Acked, message.Received);
        if (message.Ack.CreditLimit > _creditLimit)
        {
            _creditLimit = message.Ack.CreditLimit;
            GrantEdgeCredit();
        }

        if ((message.Flags & FrameFlags.FinDelivered) != 0 && _finSent && !_finDelivered)
        {
            _finDelivered = true;
            Context.Parent.Tell(OutboundFinished.Instance);
        }

        TrySend();
    }

    private void OnSubstreamEnded(SubstreamEnded message)
    {
        var slot = Find(message.Index);
        if (slot is null || !slot.Alive)
        {
            return;
        }

        slot.Alive = false;
        while (slot.Unacked.TryDequeue(out var chunk))
        {
            _resend.Enqueue(chunk, chunk.Offset);
        }

        if (_finSlot == slot.Index && !_finDelivered)
        {
            _finSent = false;
        }

        var remaining = _slots.Count(s => s.Alive);
        if (message.Reason is not null || !_finDelivered)
        {
            Log.SubstreamLost(Context.Log, Self.Path, message.Index, message.Reason ?? "closed by peer", _resend.Count, remaining);
        }

        Context.Parent.Tell(new SubstreamDown(message.Index, remaining));
        TrySend();
    }

    private SubstreamSlot? Find(int index)
    {
        foreach (var slot in _slots)
        {
            if (slot.Index == index && slot.Alive)
            {
                return slot;
            }
        }

        return null;
    }

    private void GrantEdgeCredit()
    {
        if (_edge is not null && !_edgeEnded && _creditLimit > _readGranted)
        {
            _edge.Tell(new TcpLegProtocol.GrantRead(_creditLimit - _readGranted));
            _readGranted = _creditLimit;
        }
    }

    private void TrySend()
    {
        while (true)
        {
            SentChunk chunk;
            var isResend = _resend.TryPeek(out chunk, out _);
            if (!isResend)
            {
                if (!_pending.TryPeek(out var lease))
                {
                    break;
                }

                chunk = new SentChunk(_nextOffset, lease, 0);
            }

            var slot = _scheduler.Pick(_slots, chunk.Lease.Length);
            if (slot is null)
            {
                break;
            }

            if (isResend)
            {
                _resend.Dequeue();
            }
            else
            {
                _pending.Dequeue();
                _nextOffset += chunk.Lease.Length;
            }

            slot.Sent += chunk.Lease.Length;
            _metrics.AddSubstreamBytes(slot.Index, chunk.Lease.Length);
            slot.Unacked.Enqueue(chunk with { SubstreamEnd = slot.Sent });
            slot.Leg.Tell(new TcpLegProtocol.WriteData(chunk.Offset, Now, chunk.Lease));
        }

        if (_edgeEnded && !_finSent && _pending.Count == 0 && _resend.Count == 0)
        {
            var slot = _scheduler.Pick(_slots, 0);
            if (slot is not null)
            {
                _finSent = true;
                _finSlot = slot.Index;
                slot.Leg.Tell(new TcpLegProtocol.WriteFin(_nextOffset));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "{Striper}: substream {Index} lost ({Reason}); {Resend} chunks to resend, {Remaining} substreams left")]
        public static partial void SubstreamLost(ILogger logger, string striper, int index, string reason, int resend, int remaining);
    }
}
