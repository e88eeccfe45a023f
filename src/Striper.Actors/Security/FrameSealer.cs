using System.Security.Cryptography;
using Striper.Actors.Wire;

namespace Striper.Actors.Security;

/// <summary>
/// Seals the frames one substream sends in one direction with AES-GCM: the payload is encrypted, the 24-byte frame
/// header is authenticated as associated data, and the nonce is the direction (4 bytes) and the frame counter
/// (8 bytes). Counting frames instead of sending nonces costs nothing on the wire, and because the receiver counts
/// too, a dropped, reordered, replayed or spliced-in frame fails authentication. Used from one actor only.
/// </summary>
internal sealed class FrameSealer : IDisposable
{
    private readonly AesGcm _aes;
    private readonly uint _direction;
    private ulong _counter;

    public FrameSealer(ReadOnlySpan<byte> key, uint direction)
    {
        _aes = new AesGcm(key, ProtocolConstants.FrameTagSize);
        _direction = direction;
    }

    /// <summary>Encrypts <paramref name="payload"/> into <paramref name="ciphertext"/> (same length) and writes the tag.</summary>
    public void Seal(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[12];
        FrameNonce.Write(nonce, _direction, _counter++);
        _aes.Encrypt(nonce, payload, ciphertext, tag, header);
    }

    /// <summary>Bytes a sealed frame with <paramref name="payloadLength"/> bytes of payload takes on the wire.</summary>
    public static int FrameSize(int payloadLength) => ProtocolConstants.FrameHeaderSize + payloadLength + ProtocolConstants.FrameTagSize;

    /// <summary>Writes the whole sealed frame (header, ciphertext, tag) into <paramref name="frame"/>, of <see cref="FrameSize"/> bytes.</summary>
    public void SealFrame(FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> frame)
    {
        const int headerSize = ProtocolConstants.FrameHeaderSize;
        header.Write(frame);
        Seal(frame[..headerSize], payload, frame.Slice(headerSize, payload.Length), frame.Slice(headerSize + payload.Length, ProtocolConstants.FrameTagSize));
    }

    public void Dispose() => _aes.Dispose();
}
