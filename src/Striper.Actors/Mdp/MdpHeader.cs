namespace Striper.Actors.Mdp;

/// <summary>The fixed fields of a DATA or ACK datagram, read once and never allocated.</summary>
internal readonly record struct MdpHeader(
    MdpPacketType Type,
    int PayloadLength,
    uint Sequence,
    uint AckCumulative,
    uint Floor,
    ulong AckBits,
    ushort SourcePort,
    ushort DestinationPort);
