using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>
/// The fixed 24-byte header in front of every frame:
/// type (1), flags (1), reserved (2), payload length (4), offset (8), stamp (8); all big-endian.
/// </summary>
internal readonly record struct FrameHeader(FrameType Type, FrameFlags Flags, int Length, long Offset, long Stamp)
{
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        destination[1] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], Length);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], Offset);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], Stamp);
    }

    /// <summary>
    /// Reads and validates a header. Every rule is checked here, before the payload is allocated,
    /// so a hostile length can never make the receiver allocate more than <paramref name="maxPayload"/>.
    /// </summary>
    public static FrameParseResult TryRead(ReadOnlySpan<byte> source, int maxPayload, out FrameHeader header, out string? error)
    {
        header = default;
        error = null;
        if (source.Length < ProtocolConstants.FrameHeaderSize)
        {
            return FrameParseResult.NeedMore;
        }

        var type = (FrameType)source[0];
        var flags = (FrameFlags)source[1];
        var reserved = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var length = BinaryPrimitives.ReadInt32BigEndian(source[4..]);
        var offset = BinaryPrimitives.ReadInt64BigEndian(source[8..]);
        var stamp = BinaryPrimitives.ReadInt64BigEndian(source[16..]);

        error = Validate(type, flags, reserved, length, offset, maxPayload);
        if (error is not null)
        {
            return FrameParseResult.Malformed;
        }

        header = new FrameHeader(type, flags, length, offset, stamp);
        return FrameParseResult.Complete;
    }

    private static string? Validate(FrameType type, FrameFlags flags, ushort reserved, int length, long offset, int maxPayload)
    {
        if (reserved != 0)
        {
            return $"reserved header bits set (0x{reserved:x4})";
        }

        if (offset < 0)
        {
            return $"negative offset {offset}";
        }

        return type switch
        {
            FrameType.Data when flags != FrameFlags.None => $"unknown DATA flags 0x{(byte)flags:x2}",
            FrameType.Data when length <= 0 || length > maxPayload => $"DATA length {length} outside 1..{maxPayload}",
            FrameType.Data when offset > long.MaxValue - length => "DATA offset overflows",
            FrameType.Data => null,
            FrameType.Ack when (flags & ~FrameFlags.FinDelivered) != 0 => $"unknown ACK flags 0x{(byte)flags:x2}",
            FrameType.Ack when length != ProtocolConstants.AckPayloadSize => $"ACK length {length}, expected {ProtocolConstants.AckPayloadSize}",
            FrameType.Ack => null,
            FrameType.Fin when flags != FrameFlags.None || length != 0 => "FIN with flags or payload",
            FrameType.Fin => null,
            FrameType.Rst when flags != FrameFlags.None || length != ProtocolConstants.RstPayloadSize => "RST with flags or a payload that is not 4 bytes",
            FrameType.Rst => null,
            _ => $"unknown frame type {(byte)type}",
        };
    }

    public override string ToString() => $"{Type} len={Length} off={Offset} flags={Flags}";
}
