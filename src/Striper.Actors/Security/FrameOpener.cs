using System.Security.Cryptography;
using Striper.Actors.Wire;

namespace Striper.Actors.Security;

/// <summary>
/// The receiving half of <see cref="FrameSealer"/>: checks and decrypts each frame in arrival order. A frame that
/// fails is never delivered; the substream it came on is closed. Used from one receive loop only.
/// </summary>
internal sealed class FrameOpener : IDisposable
{
    private readonly AesGcm _aes;
    private readonly uint _direction;
    private ulong _counter;

    public FrameOpener(ReadOnlySpan<byte> key, uint direction)
    {
        _aes = new AesGcm(key, ProtocolConstants.FrameTagSize);
        _direction = direction;
    }

    /// <summary>Decrypts into <paramref name="plaintext"/> (which may be the ciphertext's own buffer); false if forged.</summary>
    public bool TryOpen(ReadOnlySpan<byte> header, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[12];
        FrameNonce.Write(nonce, _direction, _counter++);
        try
        {
            _aes.Decrypt(nonce, ciphertext, tag, plaintext, header);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // Decrypt has already cleared the plaintext; nothing of the forged frame escapes.
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();
}
