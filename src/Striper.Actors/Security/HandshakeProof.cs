using System.Security.Cryptography;
using System.Text;

namespace Striper.Actors.Security;

/// <summary>
/// The two proofs of a substream handshake: HMAC-SHA256 under the secret's proof key over a role label, the
/// client's hello (which carries the client nonce) and the head of the server's challenge (which carries the server
/// nonce and the flags granted). Each side's nonce is fresh, so a proof recorded from one handshake is worthless in
/// another; the labels keep the server's proof from ever serving as the client's. Comparison is constant-time.
/// </summary>
internal static class HandshakeProof
{
    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("striper/2 server proof");
    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("striper/2 client proof");

    public static void ComputeServer(SharedSecret secret, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof) =>
        Compute(secret, ServerLabel, hello, challengeHead, proof);

    public static void ComputeClient(SharedSecret secret, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof) =>
        Compute(secret, ClientLabel, hello, challengeHead, proof);

    public static bool VerifyServer(SharedSecret secret, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof) =>
        Verify(secret, ServerLabel, hello, challengeHead, proof);

    public static bool VerifyClient(SharedSecret secret, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof) =>
        Verify(secret, ClientLabel, hello, challengeHead, proof);

    private static bool Verify(SharedSecret secret, byte[] label, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(secret, label, hello, challengeHead, expected);
        return proof.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, proof);
    }

    private static void Compute(SharedSecret secret, byte[] label, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challengeHead, Span<byte> proof)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret.ProofKey);
        hmac.AppendData(label);
        hmac.AppendData(hello);
        hmac.AppendData(challengeHead);
        hmac.GetHashAndReset(proof);
    }
}
