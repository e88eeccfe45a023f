using System.Security.Cryptography;

namespace Striper.Actors.Identity;

/// <summary>
/// A node's key pair and SID. ECDH on P-256 from the base class library (there is no Ed25519 in it): the same key
/// agrees a link key with each neighbour (<see cref="DeriveSharedSecret"/>), which also authenticates the neighbour,
/// since only the holder of the private key behind a public key can compute the same secret.
/// </summary>
internal sealed class NodeIdentity : IDisposable
{
    /// <summary>An uncompressed P-256 point: 0x04, X, Y.</summary>
    public const int PublicKeySize = 65;

    /// <summary>An ECDSA P-256 signature in IEEE P1363 form: r and s, 32 bytes each.</summary>
    public const int SignatureSize = 64;

    private readonly ECDiffieHellman _key;
    private ECDsa? _signer;

    private NodeIdentity(ECDiffieHellman key)
    {
        _key = key;
        PublicKey = EncodePublicKey(key.ExportParameters(includePrivateParameters: false));
        Sid = Sid.FromPublicKey(PublicKey);
    }

    /// <summary>The public key as sent in hellos and hashed into the SID.</summary>
    public byte[] PublicKey { get; }

    public Sid Sid { get; }

    public static NodeIdentity Generate() => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a PKCS#8 (or SEC1) PEM private key; throws <see cref="CryptographicException"/> if it is not a P-256 private key.</summary>
    public static NodeIdentity FromPem(string pem)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"the key is {key.KeySize} bits, not a P-256 key");
            }

            // ImportFromPem also takes a PUBLIC KEY block: such an identity could not agree a link key with anyone.
            if (!HasPrivateKey(key))
            {
                throw new CryptographicException("it holds only a public key");
            }

            return new NodeIdentity(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public string ExportPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// The ECDH secret shared with the owner of <paramref name="peerPublicKey"/>, or null if it is not a valid P-256
    /// point (a hostile hello must not throw into the caller).
    /// </summary>
    public byte[]? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicKey)
    {
        if (peerPublicKey.Length != PublicKeySize || peerPublicKey[0] != 0x04)
        {
            return null;
        }

        try
        {
            using var peer = ECDiffieHellman.Create(PublicParameters(peerPublicKey));
            return _key.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>An ECDSA P-256 signature (SHA-256, r ‖ s, 64 bytes) of <paramref name="data"/> with this node's key.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        // The same P-256 key signs route announcements and agrees link keys: a node has one identity, one SID.
        _signer ??= ECDsa.Create(_key.ExportParameters(includePrivateParameters: true));
        return _signer.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Whether <paramref name="signature"/> is the owner of <paramref name="publicKey"/>'s; false for any malformed input.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || publicKey[0] != 0x04 || signature.Length != SignatureSize)
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create(PublicParameters(publicKey));
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        _signer?.Dispose();
    }

    private static bool HasPrivateKey(ECDiffieHellman key)
    {
        try
        {
            return key.ExportParameters(includePrivateParameters: true).D is { Length: > 0 };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A P-256 public key from its uncompressed encoding (checked for length and prefix by the callers).</summary>
    private static ECParameters PublicParameters(ReadOnlySpan<byte> publicKey) => new()
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = publicKey.Slice(1, 32).ToArray(), Y = publicKey.Slice(33, 32).ToArray() },
    };

    private static byte[] EncodePublicKey(ECParameters parameters)
    {
        var encoded = new byte[PublicKeySize];
        encoded[0] = 0x04;
        parameters.Q.X.AsSpan().CopyTo(encoded.AsSpan(1, 32));
        parameters.Q.Y.AsSpan().CopyTo(encoded.AsSpan(33, 32));
        return encoded;
    }
}
