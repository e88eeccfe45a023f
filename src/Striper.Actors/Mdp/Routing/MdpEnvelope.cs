using System.Buffers.Binary;
using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>
/// What travels on MDP port 0, the router's port, between neighbours: a routed datagram (an MSP packet with the SIDs
/// and ports of its two ends, forwarded hop by hop) or a route announcement. Big-endian, every length checked before
/// anything is read (docs/PROTOCOL.md, "Routing"):
///
/// routed:       kind 1 (1), hops left (1), source port (2), destination port (2), source SID (32), destination SID (32), payload
/// announcement: kind 2 (1), reserved 0 (1), then the signed announcement (<see cref="MdpAnnouncement"/>)
/// </summary>
internal static class MdpEnvelope
{
    /// <summary>The MDP port routed datagrams and announcements travel on: 0, which no flow or binding can have.</summary>
    public const int RouterPort = 0;

    public const byte RoutedKind = 1;
    public const byte AnnouncementKind = 2;

    /// <summary>Bytes in front of a routed datagram's payload.</summary>
    public const int RoutedHeaderSize = 6 + (2 * Sid.Size);

    /// <summary>Bytes in front of an announcement.</summary>
    public const int AnnouncementHeaderSize = 2;

    /// <summary>Hops a routed datagram may take before it is dropped: no route loop can keep one alive.</summary>
    public const int MaxHops = 32;

    public static int WriteRouted(Span<byte> destination, in MdpRoutedHeader header, ReadOnlySpan<byte> payload)
    {
        destination[0] = RoutedKind;
        destination[1] = (byte)header.HopsLeft;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)header.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)header.DestinationPort);
        header.Source.WriteBytes(destination[6..]);
        header.Destination.WriteBytes(destination[(6 + Sid.Size)..]);
        payload.CopyTo(destination[RoutedHeaderSize..]);
        return RoutedHeaderSize + payload.Length;
    }

    /// <summary>The kind byte, or 0 for an empty envelope.</summary>
    public static byte PeekKind(ReadOnlySpan<byte> envelope) => envelope.IsEmpty ? (byte)0 : envelope[0];

    public static bool TryReadRouted(ReadOnlySpan<byte> envelope, out MdpRoutedHeader header, out string? error)
    {
        header = default;
        if (envelope.Length <= RoutedHeaderSize || envelope[0] != RoutedKind)
        {
            error = $"a routed datagram of {envelope.Length} bytes (its header alone is {RoutedHeaderSize})";
            return false;
        }

        if (envelope[1] is 0 or > MaxHops)
        {
            error = $"a routed datagram with {envelope[1]} hops left (1 to {MaxHops})";
            return false;
        }

        header = new MdpRoutedHeader(
            envelope[1],
            Sid.FromBytes(envelope[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(envelope[2..]),
            Sid.FromBytes(envelope[(6 + Sid.Size)..]),
            BinaryPrimitives.ReadUInt16BigEndian(envelope[4..]));
        error = null;
        return true;
    }

    /// <summary>The same datagram one hop further on: only the hops-left byte changes.</summary>
    public static void TakeHop(Span<byte> envelope) => envelope[1]--;
}
