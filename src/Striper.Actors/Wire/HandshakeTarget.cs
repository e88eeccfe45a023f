using System.Buffers.Binary;
using System.Text;
using Striper.Actors.Proxy;

namespace Striper.Actors.Wire;

/// <summary>
/// What follows a hello whose flags include <see cref="HandshakeFlags.Target"/>: the length (2 bytes, big-endian) and
/// the UTF-8 text of <c>host:port</c> (<c>[v6]:port</c> for IPv6), the connection a SOCKS client asked for. The
/// handshake's proofs cover it with the hello, so nobody on the path can change where the server connects.
/// </summary>
internal static class HandshakeTarget
{
    public const int LengthSize = 2;

    /// <summary>A 255-byte name (SOCKS' limit), brackets, a colon and five digits.</summary>
    public const int MaxLength = 255 + 8;

    public static byte[] Encode(HostPort target)
    {
        var text = Encoding.UTF8.GetBytes(target.ToString());
        if (text.Length > MaxLength)
        {
            throw new ArgumentException($"target {target} is longer than {MaxLength} bytes", nameof(target));
        }

        var block = new byte[LengthSize + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(block, (ushort)text.Length);
        text.CopyTo(block, LengthSize);
        return block;
    }

    /// <summary>The length a block announces, or an error for one out of bounds (checked before anything is read).</summary>
    public static bool TryReadLength(ReadOnlySpan<byte> prefix, out int length, out string? error)
    {
        length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        error = length is < 3 or > MaxLength ? $"target length {length} outside 3..{MaxLength}" : null;
        return error is null;
    }

    public static bool TryParse(ReadOnlySpan<byte> text, out HostPort target, out string? error)
    {
        target = default;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(text);
        }
        catch (DecoderFallbackException)
        {
            error = "the target is not UTF-8";
            return false;
        }

        if (decoded.Any(char.IsControl))
        {
            error = "the target holds control characters";
            return false;
        }

        if (!HostPort.TryParse(decoded, out target, out var parseError))
        {
            error = $"bad target: {parseError}";
            return false;
        }

        error = null;
        return true;
    }
}
