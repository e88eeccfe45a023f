using System.Security.Cryptography;
using System.Text;
using Striper.Actors.Identity;

namespace Striper.Actors.Mdp;

/// <summary>
/// The two MAC keys of a link, one per direction, from the static ECDH secret of the two node keys through HKDF-SHA256
/// (info = "striper-mdp-v1" + sender SID + receiver SID). Separate directions stop a datagram being reflected back to
/// its sender as if the neighbour had sent it. Only the holders of the two private keys can compute them, so a valid
/// MAC proves the sender's SID. There is no encryption and no forward secrecy (see docs/PROTOCOL.md).
/// </summary>
internal sealed class MdpLinkKeys
{
    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("striper-mdp-v1");

    private MdpLinkKeys(byte[] send, byte[] receive)
    {
        Send = send;
        Receive = receive;
    }

    /// <summary>Signs what this node sends to the peer.</summary>
    public byte[] Send { get; }

    /// <summary>Checks what the peer sends to this node.</summary>
    public byte[] Receive { get; }

    public static MdpLinkKeys Derive(byte[] sharedSecret, Sid local, Sid peer) =>
        new(DeriveOne(sharedSecret, local, peer), DeriveOne(sharedSecret, peer, local));

    /// <summary>Computes the truncated MAC of <paramref name="body"/> into <paramref name="mac"/>.</summary>
    public static void Sign(IncrementalHash hmac, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[32];
        hmac.AppendData(body);
        hmac.GetHashAndReset(full);
        full[..MdpPacket.MacSize].CopyTo(mac);
    }

    /// <summary>True when the last <see cref="MdpPacket.MacSize"/> bytes of <paramref name="datagram"/> are the MAC of the rest.</summary>
    public static bool Verify(IncrementalHash hmac, ReadOnlySpan<byte> datagram)
    {
        Span<byte> full = stackalloc byte[32];
        var bodyLength = datagram.Length - MdpPacket.MacSize;
        hmac.AppendData(datagram[..bodyLength]);
        hmac.GetHashAndReset(full);
        return CryptographicOperations.FixedTimeEquals(full[..MdpPacket.MacSize], datagram[bodyLength..]);
    }

    /// <summary>
    /// The same check with a bare key, for the node's occasional hellos and byes (the receive loop's hash state is its
    /// own, so the node does not share it).
    /// </summary>
    public static bool Verify(byte[] key, ReadOnlySpan<byte> datagram)
    {
        Span<byte> full = stackalloc byte[32];
        var bodyLength = datagram.Length - MdpPacket.MacSize;
        HMACSHA256.HashData(key, datagram[..bodyLength], full);
        return CryptographicOperations.FixedTimeEquals(full[..MdpPacket.MacSize], datagram[bodyLength..]);
    }

    private static byte[] DeriveOne(byte[] secret, Sid from, Sid to)
    {
        var info = Encoding.ASCII.GetBytes("striper-mdp-v1 " + from.Hex + " " + to.Hex);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, Salt, info);
    }
}
