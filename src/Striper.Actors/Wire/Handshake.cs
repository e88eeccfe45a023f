using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>
/// The 48-byte hello a client writes first on every substream: magic (4), version (1), kind (1), index (2),
/// count (2), flags (1), reserved (1), session id (16), client nonce (16), reserved (4). The nonce is fresh per
/// dial, so the server's proof (which covers it) can never be replayed to a client.
/// </summary>
internal readonly record struct Handshake(HandshakeKind Kind, Guid SessionId, int Index, int Count)
{
    public const int Size = 48;

    /// <summary>What a server reads before it knows whether the rest is worth reading (magic and version).</summary>
    public const int PrefixSize = 8;

    /// <summary>More substreams than this in one session is nonsense, whatever the configuration says.</summary>
    public const int MaxSubstreams = 256;

    private static readonly HandshakeFlags KnownFlags = HandshakeFlags.Authenticate | HandshakeFlags.Encrypt | HandshakeFlags.Target | HandshakeFlags.SessionKey;

    public HandshakeFlags Flags { get; init; }

    public UInt128 Nonce { get; init; }

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination, ProtocolConstants.Magic);
        destination[4] = ProtocolConstants.Version;
        destination[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], checked((ushort)Index));
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], checked((ushort)Count));
        destination[10] = (byte)Flags;
        SessionId.TryWriteBytes(destination[12..28], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt128BigEndian(destination[28..44], Nonce);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>
    /// Checks the first <see cref="PrefixSize"/> bytes, so a stranger or an old peer is answered before the
    /// server waits for bytes it would never get. Returns the refusal to send, or null when the rest may follow.
    /// </summary>
    public static HandshakeStatus? CheckPrefix(ReadOnlySpan<byte> source, out string? error)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(source);
        if (magic != ProtocolConstants.Magic)
        {
            error = $"bad magic 0x{magic:x8}";
            return HandshakeStatus.BadHandshake;
        }

        if (source[4] != ProtocolConstants.Version)
        {
            error = $"unsupported version {source[4]} (this proxy speaks {ProtocolConstants.Version})";
            return HandshakeStatus.UnsupportedVersion;
        }

        error = null;
        return null;
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

        if (CheckPrefix(source, out error) is not null)
        {
            return false;
        }

        var kind = (HandshakeKind)source[5];
        int index = BinaryPrimitives.ReadUInt16BigEndian(source[6..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(source[8..]);
        var flags = (HandshakeFlags)source[10];
        var reserved = source[11] | BinaryPrimitives.ReadUInt32BigEndian(source[44..]);
        error = (kind, index, count, reserved) switch
        {
            (not HandshakeKind.Open and not HandshakeKind.Join, _, _, _) => $"unknown handshake kind {(byte)kind}",
            (_, _, _, not 0) => "reserved handshake bytes set",
            _ when (flags & ~KnownFlags) != 0 => $"unknown handshake flags 0x{(byte)flags:x2}",
            (_, _, < 1 or > MaxSubstreams, _) => $"substream count {count} outside 1..{MaxSubstreams}",
            _ when index >= count => $"substream index {index} not below count {count}",
            (HandshakeKind.Open, not 0, _, _) => $"OPEN on substream {index}, not 0",
            (HandshakeKind.Join, _, _, _) when (flags & HandshakeFlags.Target) != 0 => "a JOIN names a target; only an OPEN may",
            _ when (flags & (HandshakeFlags.SessionKey | HandshakeFlags.Authenticate)) == HandshakeFlags.SessionKey => "a session key asked for without a secret",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        handshake = new Handshake(kind, new Guid(source[12..28], bigEndian: true), index, count)
        {
            Flags = flags,
            Nonce = BinaryPrimitives.ReadUInt128BigEndian(source[28..44]),
        };
        return true;
    }
}
