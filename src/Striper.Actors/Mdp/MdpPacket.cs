using System.Buffers.Binary;

namespace Striper.Actors.Mdp;

/// <summary>
/// The MDP wire format (big-endian), documented in docs/PROTOCOL.md. DATA and ACK:
/// <code>
///  0 version(1)  1 type(1)  2 payload length(2)  4 hop sequence(4)  8 ack cumulative(4)  12 floor(4)
/// 16 ack bitmap(8)  24 source port(2)  26 destination port(2)  28 payload  …  MAC(16)
/// </code>
/// HELLO: <c>0 version 1 type 2 flags 3 reserved 4 incarnation(4) 8 next hop sequence(4) 12 public key(65) 77 MAC(16)</c>.
/// BYE: <c>0 version 1 type 2 reserved(2) 4 sender's incarnation(4) 8 receiver's incarnation(4) 12 MAC(16)</c>.
/// The MAC is HMAC-SHA256 truncated to 16 bytes over everything before it, with the sender's direction key.
/// Parsing never throws: every length is checked against the datagram first.
/// </summary>
internal static class MdpPacket
{
    public const byte Version = 1;
    public const int HeaderSize = 28;
    public const int MacSize = 16;
    public const int Overhead = HeaderSize + MacSize;
    public const int HelloBodySize = 12 + Identity.NodeIdentity.PublicKeySize;
    public const int HelloSize = HelloBodySize + MacSize;
    public const byte HelloReplyWanted = 0x01;

    /// <summary>An unsigned hello from a node that does not know our key yet: "send me yours". It never creates a link.</summary>
    public const byte HelloProbe = 0x02;

    public const int ByeBodySize = 12;
    public const int ByeSize = ByeBodySize + MacSize;

    /// <summary>
    /// A bye names both ends' incarnations, so one replayed from an earlier life of either node, or of the link, is
    /// ignored: the receiver acts only on its own current incarnation and its neighbour's.
    /// </summary>
    public static int WriteByeBody(Span<byte> destination, uint senderIncarnation, uint receiverIncarnation)
    {
        destination[0] = Version;
        destination[1] = (byte)MdpPacketType.Bye;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderIncarnation);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], receiverIncarnation);
        return ByeBodySize;
    }

    /// <summary>Reads a bye's fields (the caller checks its MAC with the link's key).</summary>
    public static bool TryReadBye(ReadOnlySpan<byte> datagram, out uint senderIncarnation, out uint receiverIncarnation)
    {
        senderIncarnation = 0;
        receiverIncarnation = 0;
        if (datagram.Length != ByeSize || datagram[0] != Version || datagram[1] != (byte)MdpPacketType.Bye || datagram[2] != 0 || datagram[3] != 0)
        {
            return false;
        }

        senderIncarnation = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        receiverIncarnation = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        return true;
    }

    /// <summary>Writes a DATA or ACK header and payload into <paramref name="destination"/>; returns the length before the MAC.</summary>
    public static int WriteData(Span<byte> destination, in MdpHeader header, ReadOnlySpan<byte> payload)
    {
        destination[0] = Version;
        destination[1] = (byte)header.Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], header.Sequence);
        WriteAck(destination, header.AckCumulative, header.Floor, header.AckBits);
        BinaryPrimitives.WriteUInt16BigEndian(destination[24..], header.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[26..], header.DestinationPort);
        payload.CopyTo(destination[HeaderSize..]);
        return HeaderSize + payload.Length;
    }

    /// <summary>Refreshes the acknowledgement fields of a stored datagram before it is retransmitted.</summary>
    public static void WriteAck(Span<byte> datagram, uint cumulative, uint floor, ulong bits)
    {
        BinaryPrimitives.WriteUInt32BigEndian(datagram[8..], cumulative);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[12..], floor);
        BinaryPrimitives.WriteUInt64BigEndian(datagram[16..], bits);
    }

    /// <summary>The type byte of a datagram of the right version, or 0.</summary>
    public static MdpPacketType PeekType(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= 2 && datagram[0] == Version ? (MdpPacketType)datagram[1] : 0;

    /// <summary>Reads a DATA or ACK datagram's header; false if it is not one or its length field disagrees with its size.</summary>
    public static bool TryReadData(ReadOnlySpan<byte> datagram, out MdpHeader header)
    {
        header = default;
        if (datagram.Length < Overhead || datagram[0] != Version)
        {
            return false;
        }

        var type = (MdpPacketType)datagram[1];
        var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if ((type != MdpPacketType.Data && type != MdpPacketType.Ack) || HeaderSize + length + MacSize != datagram.Length
            || (type == MdpPacketType.Ack && length != 0))
        {
            return false;
        }

        header = new MdpHeader(
            type,
            length,
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            BinaryPrimitives.ReadUInt64BigEndian(datagram[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[24..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[26..]));
        return true;
    }

    public static int WriteHelloBody(Span<byte> destination, bool replyWanted, uint incarnation, uint nextSequence, ReadOnlySpan<byte> publicKey, bool probe = false)
    {
        destination[0] = Version;
        destination[1] = (byte)MdpPacketType.Hello;
        destination[2] = (byte)((replyWanted ? HelloReplyWanted : 0) | (probe ? HelloProbe : 0));
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], incarnation);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], nextSequence);
        publicKey.CopyTo(destination[12..]);
        return HelloBodySize;
    }

    /// <summary>Reads a hello's fields (its MAC can only be checked once the key it names gives a link key).</summary>
    public static bool TryReadHello(ReadOnlySpan<byte> datagram, out bool replyWanted, out bool probe, out uint incarnation, out uint nextSequence, out ReadOnlySpan<byte> publicKey)
    {
        replyWanted = false;
        probe = false;
        incarnation = 0;
        nextSequence = 0;
        publicKey = default;
        if (datagram.Length != HelloSize || datagram[0] != Version || datagram[1] != (byte)MdpPacketType.Hello || (datagram[2] & ~(HelloReplyWanted | HelloProbe)) != 0
            || datagram[3] != 0)
        {
            return false;
        }

        replyWanted = (datagram[2] & HelloReplyWanted) != 0;
        probe = (datagram[2] & HelloProbe) != 0;
        incarnation = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        nextSequence = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        publicKey = datagram.Slice(12, Identity.NodeIdentity.PublicKeySize);
        return true;
    }
}
