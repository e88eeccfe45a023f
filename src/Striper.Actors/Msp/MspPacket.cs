using System.Buffers.Binary;

namespace Striper.Actors.Msp;

/// <summary>
/// One MSP packet: header, up to <see cref="MaxSackBlocks"/> SACK blocks, one message as payload, CRC-32C trailer.
/// The layout is in docs/MSP.md. Parsing checks every length against the datagram before looking further and
/// never copies the payload: <see cref="Payload"/> is a slice of the datagram it was parsed from.
/// </summary>
internal sealed class MspPacket
{
    public const byte Version = 1;
    public const int HeaderSize = 30;
    public const int SackBlockSize = 8;
    public const int TrailerSize = 4;
    public const int MaxSackBlocks = 4;

    /// <summary>The largest payload the format can express; a stream's own limit (MspSettings.MaxMessageSize) is lower.</summary>
    public const int MaxPayloadLimit = ushort.MaxValue;

    private const MspFlags KnownFlags = MspFlags.Syn | MspFlags.Ack | MspFlags.Data | MspFlags.Fin | MspFlags.Rst | MspFlags.Keepalive | MspFlags.FromInitiator;

    public MspFlags Flags { get; init; }

    public MspResetReason ResetReason { get; init; }

    public uint StreamId { get; init; }

    /// <summary>Sequence number of the message (DATA) or of the end of stream (FIN); the next one to be sent otherwise.</summary>
    public uint Sequence { get; init; }

    /// <summary>The next sequence number the sender of this packet expects (valid with <see cref="MspFlags.Ack"/>).</summary>
    public uint CumulativeAck { get; init; }

    /// <summary>How many sequence numbers from <see cref="CumulativeAck"/> on the sender of this packet can accept.</summary>
    public uint Window { get; init; }

    /// <summary>The sender's clock in microseconds (never 0: 0 means none).</summary>
    public uint Timestamp { get; init; }

    /// <summary>The latest <see cref="Timestamp"/> received from the peer, echoed for its RTT measurement; 0 for none.</summary>
    public uint TimestampEcho { get; init; }

    public IReadOnlyList<MspSackBlock> SackBlocks { get; init; } = [];

    public ReadOnlyMemory<byte> Payload { get; init; }

    public bool Has(MspFlags flag) => (Flags & flag) == flag;

    public int EncodedLength => HeaderSize + (SackBlocks.Count * SackBlockSize) + Payload.Length + TrailerSize;

    /// <summary>Writes the packet; returns the bytes written. The caller sizes <paramref name="destination"/> with <see cref="EncodedLength"/>.</summary>
    public int Write(Span<byte> destination)
    {
        if (SackBlocks.Count > MaxSackBlocks)
        {
            throw new InvalidOperationException($"at most {MaxSackBlocks} SACK blocks fit in a packet, not {SackBlocks.Count}");
        }

        if (Payload.Length > MaxPayloadLimit)
        {
            throw new InvalidOperationException($"a payload of {Payload.Length} bytes does not fit the 16-bit length");
        }

        var length = EncodedLength;
        if (destination.Length < length)
        {
            throw new ArgumentException($"the packet needs {length} bytes, the buffer has {destination.Length}", nameof(destination));
        }

        destination[0] = Version;
        destination[1] = (byte)Flags;
        destination[2] = (byte)SackBlocks.Count;
        destination[3] = (byte)ResetReason;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], CumulativeAck);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Window);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], TimestampEcho);
        BinaryPrimitives.WriteUInt16BigEndian(destination[28..], (ushort)Payload.Length);
        var offset = HeaderSize;
        foreach (var block in SackBlocks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], block.Start);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 4)..], block.End);
            offset += SackBlockSize;
        }

        Payload.Span.CopyTo(destination[offset..]);
        offset += Payload.Length;
        BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Crc32C.Compute(destination[..offset]));
        return offset + TrailerSize;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[EncodedLength];
        Write(bytes);
        return bytes;
    }

    /// <summary>
    /// Parses one datagram. Never throws on bad input: a malformed or corrupted datagram yields the reason and a null
    /// packet. The only allocations are the packet and its SACK list, whose size is checked first.
    /// </summary>
    public static MspParseError TryParse(ReadOnlyMemory<byte> datagram, int maxPayload, out MspPacket? packet)
    {
        packet = null;
        var span = datagram.Span;
        if (span.Length < HeaderSize + TrailerSize)
        {
            return MspParseError.TooShort;
        }

        if (span[0] != Version)
        {
            return MspParseError.UnsupportedVersion;
        }

        var flags = (MspFlags)span[1];
        if ((flags & ~KnownFlags) != 0)
        {
            return MspParseError.UnknownFlags;
        }

        int sackCount = span[2];
        if (sackCount > MaxSackBlocks)
        {
            return MspParseError.TooManySackBlocks;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(span[28..]);
        if (payloadLength > maxPayload)
        {
            return MspParseError.PayloadTooLarge;
        }

        var bodyLength = HeaderSize + (sackCount * SackBlockSize) + payloadLength;
        if (span.Length != bodyLength + TrailerSize)
        {
            return MspParseError.LengthMismatch;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(span[bodyLength..]) != Crc32C.Compute(span[..bodyLength]))
        {
            return MspParseError.BadChecksum;
        }

        // Only a DATA packet has a payload, and a message cannot also be the end of the stream.
        var isData = (flags & MspFlags.Data) != 0;
        if ((!isData && payloadLength > 0) || (isData && (flags & (MspFlags.Fin | MspFlags.Rst)) != 0))
        {
            return MspParseError.InvalidFlagCombination;
        }

        MspSackBlock[] blocks = sackCount == 0 ? [] : new MspSackBlock[sackCount];
        for (var i = 0; i < sackCount; i++)
        {
            var at = HeaderSize + (i * SackBlockSize);
            blocks[i] = new MspSackBlock(BinaryPrimitives.ReadUInt32BigEndian(span[at..]), BinaryPrimitives.ReadUInt32BigEndian(span[(at + 4)..]));
        }

        var payloadOffset = HeaderSize + (sackCount * SackBlockSize);
        packet = new MspPacket
        {
            Flags = flags,
            ResetReason = (MspResetReason)span[3],
            StreamId = BinaryPrimitives.ReadUInt32BigEndian(span[4..]),
            Sequence = BinaryPrimitives.ReadUInt32BigEndian(span[8..]),
            CumulativeAck = BinaryPrimitives.ReadUInt32BigEndian(span[12..]),
            Window = BinaryPrimitives.ReadUInt32BigEndian(span[16..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(span[20..]),
            TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(span[24..]),
            SackBlocks = blocks,
            Payload = datagram.Slice(payloadOffset, payloadLength),
        };
        return MspParseError.None;
    }

    public override string ToString() =>
        $"MspPacket(id={StreamId}, {Flags}, seq={Sequence}, ack={CumulativeAck}, wnd={Window}, sacks={SackBlocks.Count}, {Payload.Length} bytes)";
}
