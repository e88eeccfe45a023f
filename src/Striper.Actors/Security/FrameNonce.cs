using System.Buffers.Binary;

namespace Striper.Actors.Security;

/// <summary>The 12-byte AES-GCM nonce of a sealed frame: direction (4 bytes) then frame counter (8 bytes), big-endian.</summary>
internal static class FrameNonce
{
    /// <summary>Frames the client sends.</summary>
    public const uint ClientToServer = 0;

    /// <summary>Frames the server sends.</summary>
    public const uint ServerToClient = 1;

    public static void Write(Span<byte> nonce, uint direction, ulong counter)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, direction);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
    }
}
