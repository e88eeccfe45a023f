using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>The server's 8-byte answer: magic (4), version (1), status (1), reserved (2).</summary>
internal static class HandshakeReply
{
    public const int Size = 8;

    public static byte[] Encode(HandshakeStatus status)
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, ProtocolConstants.Magic);
        bytes[4] = ProtocolConstants.Version;
        bytes[5] = (byte)status;
        return bytes;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeStatus status, out string? error)
    {
        status = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32BigEndian(source) != ProtocolConstants.Magic)
        {
            error = "the peer is not a striper server (bad reply magic)";
            return false;
        }

        if (source[4] != ProtocolConstants.Version)
        {
            error = $"the peer speaks protocol version {source[4]}, this proxy {ProtocolConstants.Version}";
            return false;
        }

        status = (HandshakeStatus)source[5];
        if (!Enum.IsDefined(status) || BinaryPrimitives.ReadUInt16BigEndian(source[6..]) != 0)
        {
            error = $"malformed reply (status {source[5]})";
            return false;
        }

        error = null;
        return true;
    }

    public static string Describe(HandshakeStatus status) => status switch
    {
        HandshakeStatus.Accepted => "accepted",
        HandshakeStatus.UnknownSession => "the server does not know this session (finished or never opened)",
        HandshakeStatus.TargetUnreachable => "the server could not connect to its target",
        HandshakeStatus.TooManySessions => "the server has too many sessions",
        HandshakeStatus.BadHandshake => "the server rejected the handshake as malformed",
        HandshakeStatus.Conflict => "the session conflicts with one the server has (same id opened twice, or a different substream count)",
        _ => $"unknown status {(byte)status}",
    };
}
