using Akka.Actor;

namespace Striper.Actors.Msp;

/// <summary>
/// Messages between an MSP stream, its owner, its endpoint and its link. Payloads are handed over, not copied: after
/// <see cref="Send"/> the owner must not change the bytes, and a <see cref="Received"/> payload belongs to the owner.
/// </summary>
internal static class MspProtocol
{
    /// <summary>Owner → stream: one message. Allowed while the number of messages sent so far is below the announced send limit.</summary>
    public sealed record Send(ReadOnlyMemory<byte> Payload)
    {
        public override string ToString() => $"Send({Payload.Length} bytes)";
    }

    /// <summary>Owner → stream: the owner has finished with <paramref name="Count"/> more delivered messages; the receive window reopens.</summary>
    public sealed record Consumed(int Count);

    /// <summary>Owner → stream: no more messages; a FIN follows the last one (half-close).</summary>
    public sealed class Shutdown
    {
        public static Shutdown Instance { get; } = new();

        private Shutdown()
        {
        }
    }

    /// <summary>Owner → stream: drop everything and reset the peer.</summary>
    public sealed class Abort
    {
        public static Abort Instance { get; } = new();

        private Abort()
        {
        }
    }

    /// <summary>Hands the stream to another owner (an acceptor passing a new stream on).</summary>
    public sealed record SetOwner(IActorRef Owner);

    /// <summary>Stream → owner: one whole message, in order.</summary>
    public sealed record Received(uint StreamId, ReadOnlyMemory<byte> Payload)
    {
        public override string ToString() => $"Received(id={StreamId}, {Payload.Length} bytes)";
    }

    /// <summary>
    /// Stream → owner: the state flags changed, or the send limit grew. The owner may have sent messages numbered below
    /// <paramref name="SendLimit"/> (counting from 0). <paramref name="Reason"/> says why an Error happened.
    /// </summary>
    public sealed record StateChanged(uint StreamId, MspState State, long SendLimit, string? Reason);

    /// <summary>Stream → owner: a message was refused (over the send limit, too large, or after shutdown).</summary>
    public sealed record SendRejected(uint StreamId, string Reason);

    /// <summary>Link → stream or endpoint: one datagram from the peer, owned by the receiver.</summary>
    public sealed record DatagramReceived(ReadOnlyMemory<byte> Datagram)
    {
        public override string ToString() => $"DatagramReceived({Datagram.Length} bytes)";
    }

    /// <summary>
    /// Link → endpoint: the datagrams of one receive burst, in arrival order, owned by the receiver. One message per
    /// burst instead of one per datagram saves a mailbox operation and often a thread wake-up per packet.
    /// </summary>
    public sealed record DatagramsReceived(IReadOnlyList<ReadOnlyMemory<byte>> Datagrams)
    {
        public override string ToString() => $"DatagramsReceived({Datagrams.Count} datagrams)";
    }

    /// <summary>
    /// Link → stream or endpoint: the link is gone for good (its neighbour fell silent and the MDP node removed it).
    /// Nothing more will arrive and nothing sent will leave, so a stream ends at once with Error and this reason rather
    /// than waiting out its idle timeout; an endpoint passes it to every stream it has and will have.
    /// </summary>
    public sealed record LinkDown(string Reason);

    /// <summary>Endpoint → stream: the packets of one burst for this stream, already parsed and checked.</summary>
    public sealed record PacketsReceived(IReadOnlyList<MspPacket> Packets)
    {
        public override string ToString() => $"PacketsReceived({Packets.Count} packets)";
    }

    /// <summary>Endpoint → stream: a packet already parsed and checked by the endpoint.</summary>
    public sealed record PacketReceived(MspPacket Packet);

    /// <summary>Anyone → stream or endpoint: reply with <see cref="MspStats"/>.</summary>
    public sealed class GetStats
    {
        public static GetStats Instance { get; } = new();

        private GetStats()
        {
        }
    }

    /// <summary>Owner → endpoint: open a stream; the endpoint replies <see cref="Connected"/>.</summary>
    public sealed record Connect(IActorRef Owner);

    public sealed record Connected(uint StreamId, IActorRef Stream);

    /// <summary>Endpoint → acceptor: the peer opened a stream; its messages go to the acceptor until <see cref="SetOwner"/>.</summary>
    public sealed record Accepted(uint StreamId, IActorRef Stream);

    /// <summary>The stream's timers.</summary>
    internal sealed class RetransmitTimeout
    {
        public static RetransmitTimeout Instance { get; } = new();

        private RetransmitTimeout()
        {
        }
    }

    internal sealed class TailProbe
    {
        public static TailProbe Instance { get; } = new();

        private TailProbe()
        {
        }
    }

    internal sealed class PaceTick
    {
        public static PaceTick Instance { get; } = new();

        private PaceTick()
        {
        }
    }

    internal sealed class Housekeeping
    {
        public static Housekeeping Instance { get; } = new();

        private Housekeeping()
        {
        }
    }

    internal sealed class LingerOver
    {
        public static LingerOver Instance { get; } = new();

        private LingerOver()
        {
        }
    }

    /// <summary>The stream's note to itself: the burst of packets before this message is handled, acknowledge it.</summary>
    internal sealed class FlushAck
    {
        public static FlushAck Instance { get; } = new();

        private FlushAck()
        {
        }
    }
}
