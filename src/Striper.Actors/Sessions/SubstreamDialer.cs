using System.Buffers.Binary;
using System.Security.Cryptography;
using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Actors.Transport;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>
/// Client side of a substream handshake: connect, hello with a fresh nonce, then either the verdict directly
/// (no secret on either side: one round trip, as in version 1) or challenge → our proof → verdict (with a secret:
/// one round trip more). A server whose proof does not match still gets our proof, so it too learns and logs
/// that the secrets differ; the dial then fails with "bad secret" whatever the server answers.
/// </summary>
internal static class SubstreamDialer
{
    /// <param name="target">OPEN only: where the server should connect (a SOCKS client's choice) instead of its own target.</param>
    /// <param name="key">What binds this dial to its session: see <see cref="SessionBinding"/>.</param>
    /// <param name="congestionControl">striper.tcp.congestion-control for the socket; null leaves the kernel's default.</param>
    public static async Task<DialedSubstream> DialAsync(
        string host,
        int port,
        Handshake handshake,
        StriperSettings settings,
        CancellationToken cancellationToken,
        HostPort? target = null,
        SessionBinding key = default,
        SubstreamCongestionControl? congestionControl = null)
    {
        var socket = await SocketFactory.ConnectAsync(host, port, settings.ConnectTimeout, cancellationToken, congestionControl is null ? null : congestionControl.Apply);
        SocketFactory.WatchForDeadPath(socket, settings.SubstreamTimeout);
        return await HandshakeAsync(new TcpSubstreamConnection(socket), handshake, settings, cancellationToken, target, key);
    }

    /// <summary>Runs the client's handshake on a connection of either transport; on failure the connection is aborted.</summary>
    public static async Task<DialedSubstream> HandshakeAsync(
        SubstreamConnection connection, Handshake handshake, StriperSettings settings, CancellationToken cancellationToken, HostPort? target = null, SessionBinding key = default)
    {
        try
        {
            return await RunAsync(connection, handshake, settings, target, key, cancellationToken);
        }
        catch
        {
            connection.Abort();
            throw;
        }
    }

    private static async Task<DialedSubstream> RunAsync(
        SubstreamConnection connection, Handshake handshake, StriperSettings settings, HostPort? target, SessionBinding key, CancellationToken cancellationToken)
    {
        var secret = settings.Secret;
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        handshake = handshake with
        {
            Nonce = BinaryPrimitives.ReadUInt128BigEndian(nonce),
            Flags = (secret is null ? HandshakeFlags.None : HandshakeFlags.Authenticate)
                | (settings.Encrypt && secret is not null ? HandshakeFlags.Encrypt : HandshakeFlags.None)
                | (target is null ? HandshakeFlags.None : HandshakeFlags.Target)
                | (secret is not null && key.Binds(handshake.Kind) ? HandshakeFlags.SessionKey : HandshakeFlags.None),
        };

        // The proofs cover the target with the hello: what is signed is what is sent.
        byte[] hello = target is { } t ? [.. handshake.ToArray(), .. HandshakeTarget.Encode(t)] : handshake.ToArray();

        // OPEN's verdict waits for the server to reach its target, so it gets the connect timeout on top.
        var limit = handshake.Kind == HandshakeKind.Open ? settings.HandshakeTimeout + settings.ConnectTimeout : settings.HandshakeTimeout;
        using var deadline = new HandshakeDeadline(limit, cancellationToken);
        await deadline.SendAsync(connection, hello, "hello");

        var reply = new byte[HandshakeReply.ChallengeSize];
        await deadline.ReadExactlyAsync(connection, reply.AsMemory(0, HandshakeReply.Size), "handshake reply");
        if (!HandshakeReply.TryReadPrefix(reply, out var type, out var status, out var flags, out var error))
        {
            throw new InvalidDataException(error);
        }

        if (type == HandshakeReplyType.Verdict)
        {
            return status != HandshakeStatus.Accepted
                ? throw new SubstreamRefusedException(status)
                : secret is not null
                    ? throw new SubstreamRefusedException(HandshakeStatus.NoSecret)
                    : new DialedSubstream(connection, null);
        }

        if (secret is null)
        {
            throw new InvalidDataException("the server sent a challenge although this client offered no secret");
        }

        await deadline.ReadExactlyAsync(connection, reply.AsMemory(HandshakeReply.Size), "challenge");
        var head = reply.AsMemory(0, HandshakeReply.ChallengeHeadSize);
        var proofKey = HandshakeProof.KeyFor(secret, handshake.Kind == HandshakeKind.Join ? key.Key : null);
        var serverProven = HandshakeProof.VerifyServer(proofKey, hello, head.Span, reply.AsSpan(HandshakeReply.ChallengeHeadSize));
        var proof = new byte[ProtocolConstants.ProofSize];
        HandshakeProof.ComputeClient(proofKey, hello, head.Span, proof);
        await deadline.SendAsync(connection, proof, "proof");

        // Before the verdict is read over the challenge's first bytes.
        var sessionKey = (handshake.Flags & HandshakeFlags.SessionKey) != 0 && handshake.Kind == HandshakeKind.Open
            ? HandshakeProof.DeriveSessionKey(secret, hello, head.Span)
            : null;

        var verdict = reply.AsMemory(0, HandshakeReply.Size);
        await deadline.ReadExactlyAsync(connection, verdict, "verdict");
        if (!serverProven)
        {
            throw new SubstreamRefusedException(HandshakeStatus.BadSecret, "the server's proof does not match this proxy's secret");
        }

        if (!HandshakeReply.TryRead(verdict.Span, out status, out error))
        {
            throw new InvalidDataException(error);
        }

        if (status != HandshakeStatus.Accepted)
        {
            throw new SubstreamRefusedException(status);
        }

        var cipher = (flags & HandshakeFlags.Encrypt) != 0
            ? SubstreamCipher.Derive(secret, handshake.SessionId, handshake.Index, handshake.Nonce, head.Span[HandshakeReply.Size..], isServer: false)
            : null;
        return new DialedSubstream(connection, cipher, sessionKey);
    }
}
