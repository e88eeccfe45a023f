using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Striper.Actors.Security;

/// <summary>
/// The secret both proxies hold. Only keys derived from it are kept (an HMAC key for handshake proofs and a
/// pseudo-random key for frame keys), so the text a user pasted is not in memory longer than parsing takes, and
/// <see cref="ToString"/> never shows either: settings records print their members, and logs must not leak it.
/// </summary>
public sealed class SharedSecret
{
    /// <summary>Bytes in a secret made by <c>striper secret</c>.</summary>
    public const int GeneratedSize = 32;

    /// <summary>Shorter secrets are refused: they could be guessed offline from one recorded handshake.</summary>
    public const int MinimumSize = 16;

    private static readonly byte[] ExtractSalt = Encoding.ASCII.GetBytes("striper/2 secret");
    private static readonly byte[] ProofInfo = Encoding.ASCII.GetBytes("striper/2 handshake proof key");

    private SharedSecret(byte[] secret)
    {
        FrameKeyMaterial = HKDF.Extract(HashAlgorithmName.SHA256, secret, ExtractSalt);
        ProofKey = HKDF.Expand(HashAlgorithmName.SHA256, FrameKeyMaterial, 32, ProofInfo);
        CryptographicOperations.ZeroMemory(secret);
    }

    /// <summary>The HMAC-SHA256 key for handshake proofs.</summary>
    internal byte[] ProofKey { get; }

    /// <summary>The HKDF pseudo-random key that per-substream frame keys are expanded from.</summary>
    internal byte[] FrameKeyMaterial { get; }

    /// <summary>A new random secret, as the text <c>striper secret</c> prints (43 base64url characters).</summary>
    public static string GenerateText()
    {
        Span<byte> bytes = stackalloc byte[GeneratedSize];
        RandomNumberGenerator.Fill(bytes);
        var text = Base64Url.EncodeToString(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return text;
    }

    /// <summary>A new random secret that exists in memory only (the demo, tests).</summary>
    public static SharedSecret CreateRandom()
    {
        var bytes = new byte[GeneratedSize];
        RandomNumberGenerator.Fill(bytes);
        return new SharedSecret(bytes);
    }

    /// <summary>Parses a secret's text (base64url, surrounding whitespace ignored); the error never quotes the text.</summary>
    public static bool TryParse(string text, out SharedSecret? secret, out string? error)
    {
        secret = null;
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            error = "it is empty";
            return false;
        }

        // TryDecodeFromChars throws on bad characters (its false means "buffer too small"): check first.
        var bytes = new byte[Base64Url.GetMaxDecodedLength(trimmed.Length)];
        if (!Base64Url.IsValid(trimmed) || !Base64Url.TryDecodeFromChars(trimmed, bytes, out var written))
        {
            error = "it is not base64url text as 'striper secret' prints it";
            return false;
        }

        if (written < MinimumSize)
        {
            CryptographicOperations.ZeroMemory(bytes);
            error = $"it holds {written} bytes, fewer than {MinimumSize}; make a new one with 'striper secret'";
            return false;
        }

        secret = new SharedSecret(bytes.AsSpan(0, written).ToArray());
        CryptographicOperations.ZeroMemory(bytes);
        error = null;
        return true;
    }

    /// <summary>Never the secret, whatever prints it.</summary>
    public override string ToString() => "SharedSecret(redacted)";
}
