using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>
/// The 32 bytes a client writes first on every substream:
/// magic (4), version (1), kind (1), index (2), count (2), reserved (2), session id (16), reserved (4).
/// </summary>
internal readonly record struct Handshake(HandshakeKind Kind, Guid SessionId, int Index, int Count)
{
    public const int Size = 32;

    /// <summary>More substreams than this in one session is nonsense, whatever the configuration says.</summary>
    public const int MaxSubstreams = 256;

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination, ProtocolConstants.Magic);
        destination[4] = ProtocolConstants.Version;
        destination[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], checked((ushort)Index));
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], checked((ushort)Count));
        SessionId.TryWriteBytes(destination[12..28], bigEndian: true, out _);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>Parses exactly <see cref="Size"/> bytes; the error names what was wrong, for the log.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out Handshake handshake, out string? error)
    {
        handshake = default;
        if (source.Length < Size)
        {
            error = $"handshake truncated at {source.Length} of {Size} bytes";
            return false;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(source);
        if (magic != ProtocolConstants.Magic)
        {
            error = $"bad magic 0x{magic:x8}";
            return false;
        }

        if (source[4] != ProtocolConstants.Version)
        {
            error = $"unsupported version {source[4]} (this proxy speaks {ProtocolConstants.Version})";
            return false;
        }

        var kind = (HandshakeKind)source[5];
        int index = BinaryPrimitives.ReadUInt16BigEndian(source[6..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(source[8..]);
        var reserved = BinaryPrimitives.ReadUInt16BigEndian(source[10..]) | BinaryPrimitives.ReadUInt32BigEndian(source[28..]);
        error = (kind, index, count, reserved) switch
        {
            (not HandshakeKind.Open and not HandshakeKind.Join, _, _, _) => $"unknown handshake kind {(byte)kind}",
            (_, _, _, not 0) => "reserved handshake bytes set",
            (_, _, < 1 or > MaxSubstreams, _) => $"substream count {count} outside 1..{MaxSubstreams}",
            _ when index >= count => $"substream index {index} not below count {count}",
            (HandshakeKind.Open, not 0, _, _) => $"OPEN on substream {index}, not 0",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        handshake = new Handshake(kind, new Guid(source[12..28], bigEndian: true), index, count);
        return true;
    }
}
