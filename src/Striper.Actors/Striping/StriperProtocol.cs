using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Wire;

namespace Striper.Actors.Striping;

/// <summary>
/// Messages between a session, its Striper and Reassembler, and the inbound sides of its legs.
/// Leases in <see cref="EdgeData"/> and <see cref="DataReceived"/> pass to the receiver.
/// </summary>
internal static class StriperProtocol
{
    public sealed record EdgeData(BufferLease Lease) : IOwnsResources
    {
        public void ReleaseUndelivered() => Lease.Dispose();
    }

    /// <summary>The edge socket's input ended: a clean FIN when <paramref name="Error"/> is null.</summary>
    public sealed record EdgeEnded(Exception? Error);

    /// <summary>A DATA frame; the receiver calls <c>Credit.Grant(payload length)</c> on taking it (see <see cref="Legs.SubstreamInbound"/>).</summary>
    public sealed record DataReceived(int Slot, long Offset, long Stamp, BufferLease Lease, IReadCredit? Credit = null) : IOwnsResources
    {
        public void ReleaseUndelivered() => Lease.Dispose();

        public override string ToString() => $"DataReceived(slot={Slot}, off={Offset}, {Lease.Length} bytes)";
    }

    public sealed record AckReceived(int Slot, long Received, long StampEcho, FrameFlags Flags, AckPayload Ack, IReadCredit? Credit = null);

    public sealed record FinReceived(int Slot, long FinalOffset, IReadCredit? Credit = null);

    public sealed record RstReceived(int Slot, SessionAbortReason Reason);

    /// <summary>A substream leg's input ended; <paramref name="Reason"/> is null for a clean close.</summary>
    public sealed record SubstreamEnded(int Slot, string? Reason);

    public sealed record EdgeAttached(IActorRef Leg);

    /// <summary>A substream leg joined: <paramref name="Slot"/> is unique per leg, <paramref name="Index"/> is its handshake index.</summary>
    public sealed record SubstreamAttached(int Slot, int Index, IActorRef Leg);

    /// <summary>Striper → session: every outbound byte and the FIN were delivered by the far side.</summary>
    public sealed class OutboundFinished
    {
        public static OutboundFinished Instance { get; } = new();

        private OutboundFinished()
        {
        }
    }

    /// <summary>
    /// Striper → session: a substream is gone (its chunks are already queued for the others); the session closes
    /// its leg and, on the client, dials a replacement. <paramref name="Reason"/> is null for a clean close.
    /// </summary>
    public sealed record SubstreamDown(int Slot, int Index, int Remaining, string? Reason);

    /// <summary>
    /// Reassembler → session: every inbound byte and the FIN have been handed to the edge leg. Once the outbound
    /// direction is finished too, the substreams have nothing left to carry.
    /// </summary>
    public sealed class InboundComplete
    {
        public static InboundComplete Instance { get; } = new();

        private InboundComplete()
        {
        }
    }

    /// <summary>Striper or Reassembler → session: the session cannot go on.</summary>
    public sealed record SessionFailed(SessionAbortReason Reason, string Detail);

    /// <summary>The Reassembler's note to itself: the burst of DATA before this message has been handled, acknowledge it.</summary>
    public sealed class FlushAcks
    {
        public static FlushAcks Instance { get; } = new();

        private FlushAcks()
        {
        }
    }

    /// <summary>The Striper's periodic look for substreams whose acknowledgements have stopped.</summary>
    public sealed class StallCheck
    {
        public static StallCheck Instance { get; } = new();

        private StallCheck()
        {
        }
    }

    /// <summary>The Striper's look, when a chunk the far side waits for is due to be late, at whether to copy it (<see cref="HeadOfLineRescue"/>).</summary>
    public sealed class RescueCheck
    {
        public static RescueCheck Instance { get; } = new();

        private RescueCheck()
        {
        }
    }

    /// <summary>The Reassembler's periodic look at how much of its credit reach the sender used (<see cref="CreditReach"/>).</summary>
    public sealed class ReviewCredit
    {
        public static ReviewCredit Instance { get; } = new();

        private ReviewCredit()
        {
        }
    }

    /// <summary>The proxy's buffer budget → a Striper or Reassembler that got less than it asked for: bytes came back, ask again.</summary>
    public sealed class BuffersFreed
    {
        public static BuffersFreed Instance { get; } = new();

        private BuffersFreed()
        {
        }
    }

    /// <summary>Reassembler → session: the peer broke the protocol on one substream; close just that one.</summary>
    public sealed record SubstreamMisbehaved(int Slot, string Reason);

    /// <summary>Session → Striper: an auto-sized connection needs this index no more; send nothing new on it.</summary>
    public sealed record RetireSubstream(int Index);

    /// <summary>Striper → session: the retired substream has everything it carried acknowledged; close it cleanly.</summary>
    public sealed record SubstreamRetired(int Slot, int Index);
}
