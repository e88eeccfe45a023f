using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Striper.Actors.Wire;

namespace Striper.Actors.Security;

/// <summary>
/// The sealer and opener of one encrypted substream, for one side. Keys come from HKDF over the secret's key
/// material, salted with both handshake nonces and bound to the session id and substream index, one key per
/// direction: every substream of every session gets keys of its own, and no key is ever used with a nonce twice.
/// The sealer belongs to the leg's actor, the opener to its receive loop; each disposes its own.
/// </summary>
internal sealed class SubstreamCipher
{
    private const int KeySize = 32;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("striper/2 frame keys");

    private SubstreamCipher(FrameSealer sealer, FrameOpener opener)
    {
        Sealer = sealer;
        Opener = opener;
    }

    public FrameSealer Sealer { get; }

    public FrameOpener Opener { get; }

    public static SubstreamCipher Derive(SharedSecret secret, Guid sessionId, int index, UInt128 clientNonce, ReadOnlySpan<byte> serverNonce, bool isServer)
    {
        Span<byte> salt = stackalloc byte[2 * ProtocolConstants.NonceSize];
        BinaryPrimitives.WriteUInt128BigEndian(salt, clientNonce);
        serverNonce.CopyTo(salt[ProtocolConstants.NonceSize..]);

        Span<byte> info = stackalloc byte[Label.Length + 16 + 2];
        Label.CopyTo(info);
        sessionId.TryWriteBytes(info[Label.Length..], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16BigEndian(info[(Label.Length + 16)..], checked((ushort)index));

        Span<byte> prk = stackalloc byte[32];
        Span<byte> keys = stackalloc byte[2 * KeySize];
        HKDF.Extract(HashAlgorithmName.SHA256, secret.FrameKeyMaterial, salt, prk);
        HKDF.Expand(HashAlgorithmName.SHA256, prk, keys, info);
        var clientToServer = keys[..KeySize];
        var serverToClient = keys[KeySize..];
        var cipher = isServer
            ? new SubstreamCipher(new FrameSealer(serverToClient, FrameNonce.ServerToClient), new FrameOpener(clientToServer, FrameNonce.ClientToServer))
            : new SubstreamCipher(new FrameSealer(clientToServer, FrameNonce.ClientToServer), new FrameOpener(serverToClient, FrameNonce.ServerToClient));
        CryptographicOperations.ZeroMemory(keys);
        CryptographicOperations.ZeroMemory(prk);
        return cipher;
    }

    public override string ToString() => "SubstreamCipher(redacted)";
}
