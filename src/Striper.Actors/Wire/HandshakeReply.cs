using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>
/// What a server writes during a handshake. Every message starts with the same 8 bytes: magic (4), version (1),
/// type (1), status (1), flags (1). A <see cref="HandshakeReplyType.Verdict"/> is just those 8 bytes; a
/// <see cref="HandshakeReplyType.Challenge"/> adds the server nonce (16) and the server's proof (32).
/// The prefix has the size and magic of version 1's reply, so an old client reads "version 2" and says so.
/// </summary>
internal static class HandshakeReply
{
    public const int Size = 8;

    /// <summary>Magic, version, type, status and flags, then the server nonce: what the proofs cover.</summary>
    public const int ChallengeHeadSize = Size + ProtocolConstants.NonceSize;

    public const int ChallengeSize = ChallengeHeadSize + ProtocolConstants.ProofSize;

    public static byte[] Encode(HandshakeStatus status)
    {
        var bytes = new byte[Size];
        WritePrefix(bytes, HandshakeReplyType.Verdict, status, HandshakeFlags.None);
        return bytes;
    }

    public static void WritePrefix(Span<byte> destination, HandshakeReplyType type, HandshakeStatus status, HandshakeFlags flags)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, ProtocolConstants.Magic);
        destination[4] = ProtocolConstants.Version;
        destination[5] = (byte)type;
        destination[6] = (byte)status;
        destination[7] = (byte)flags;
    }

    /// <summary>Reads a verdict; a challenge here (where none is expected) is an error.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeStatus status, out string? error)
    {
        if (!TryReadPrefix(source, out var type, out status, out _, out error))
        {
            return false;
        }

        if (type != HandshakeReplyType.Verdict)
        {
            error = "the server sent a challenge where a verdict was expected";
            return false;
        }

        return true;
    }

    /// <summary>Parses the common 8-byte prefix; the error says what kind of peer this seems to be.</summary>
    public static bool TryReadPrefix(ReadOnlySpan<byte> source, out HandshakeReplyType type, out HandshakeStatus status, out HandshakeFlags flags, out string? error)
    {
        type = default;
        status = default;
        flags = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32BigEndian(source) != ProtocolConstants.Magic)
        {
            error = "the peer is not a striper server (bad reply magic)";
            return false;
        }

        if (source[4] != ProtocolConstants.Version)
        {
            error = $"the server speaks protocol version {source[4]}, this proxy {ProtocolConstants.Version}: run the same version on both sides";
            return false;
        }

        type = (HandshakeReplyType)source[5];
        status = (HandshakeStatus)source[6];
        flags = (HandshakeFlags)source[7];
        var valid = type switch
        {
            HandshakeReplyType.Verdict => Enum.IsDefined(status) && flags == HandshakeFlags.None,
            HandshakeReplyType.Challenge => status == HandshakeStatus.Accepted && (flags & ~HandshakeFlags.Encrypt) == 0,
            _ => false,
        };
        if (!valid)
        {
            error = $"malformed reply (type {source[5]}, status {source[6]}, flags 0x{source[7]:x2})";
            return false;
        }

        error = null;
        return true;
    }

    public static string Describe(HandshakeStatus status) => status switch
    {
        HandshakeStatus.Accepted => "accepted",
        HandshakeStatus.UnknownSession => "the server does not know this session (finished or never opened)",
        HandshakeStatus.TargetUnreachable => "target unreachable: the server could not connect to its target",
        HandshakeStatus.TooManySessions => "too many sessions: the server is at its max-sessions",
        HandshakeStatus.BadHandshake => "bad handshake: the server rejected the handshake as malformed",
        HandshakeStatus.Conflict => "the session conflicts with one the server has (same id opened twice, or a different substream count)",
        HandshakeStatus.BadSecret => "bad secret: the proofs do not match, so the two proxies hold different secrets",
        HandshakeStatus.UnknownService => "unknown service",
        HandshakeStatus.TooManySubstreams => "too many substreams: the server's max-substreams-per-session is below this client's --stripes",
        HandshakeStatus.UnsupportedVersion => "unsupported version: the server speaks a different protocol version",
        HandshakeStatus.SecretRequired => "secret required: the server holds a shared secret and this client has none (give it --secret-file)",
        HandshakeStatus.NoSecret => "the server has no shared secret, but this client has one (give both the same --secret-file)",
        HandshakeStatus.TargetNotAllowed => "target not allowed: the server's striper.server.allow does not include it",
        _ => $"unknown status {(byte)status}",
    };
}
