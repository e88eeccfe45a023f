using System.Security.Cryptography;
using System.Text;

namespace Striper.Actors.Security;

/// <summary>
/// The two proofs of a substream handshake: HMAC-SHA256 under the secret's proof key over a role label, the
/// client's hello (which carries the client nonce) and the head of the server's challenge (which carries the server
/// nonce and the flags granted). Each side's nonce is fresh, so a proof recorded from one handshake is worthless in
/// another; the labels keep the server's proof from ever serving as the client's. Comparison is constant-time.
///
/// A JOIN to a session opened with <see cref="Wire.HandshakeFlags.SessionKey"/> is proven the same way under the
/// session's key instead: an HMAC under the proof key of the OPEN's hello and challenge head, which only the two
/// proxies that ran that OPEN know. Another holder of the secret who learns a session id cannot join that session.
/// </summary>
internal static class HandshakeProof
{
    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("striper/2 server proof");
    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("striper/2 client proof");
    private static readonly byte[] SessionKeyLabel = Encoding.ASCII.GetBytes("striper/2 session key");

    /// <summary>The proof key of a handshake: the session's key for a JOIN that proves one, the secret's otherwise.</summary>
    public static byte[] KeyFor(SharedSecret secret, byte[]? sessionKey) => sessionKey ?? secret.ProofKey;

    public static void ComputeServer(byte[] key, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof) =>
        Compute(key, ServerLabel, hello, challengeHead, proof);

    public static void ComputeClient(byte[] key, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof) =>
        Compute(key, ClientLabel, hello, challengeHead, proof);

    public static bool VerifyServer(byte[] key, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof) =>
        Verify(key, ServerLabel, hello, challengeHead, proof);

    public static bool VerifyClient(byte[] key, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof) =>
        Verify(key, ClientLabel, hello, challengeHead, proof);

    /// <summary>The key JOINs to a session must prove, derived from its OPEN: both nonces make it fresh per session.</summary>
    public static byte[] DeriveSessionKey(SharedSecret secret, ReadOnlySpan<byte> openHello, ReadOnlySpan<byte> openChallengeHead)
    {
        var key = new byte[HMACSHA256.HashSizeInBytes];
        Compute(secret.ProofKey, SessionKeyLabel, openHello, openChallengeHead, key);
        return key;
    }

    private static bool Verify(byte[] key, byte[] label, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(key, label, hello, challengeHead, expected);
        return proof.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, proof);
    }

    private static void Compute(byte[] key, byte[] label, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(label);
        hmac.AppendData(hello);
        hmac.AppendData(challengeHead);
        hmac.GetHashAndReset(proof);
    }
}
