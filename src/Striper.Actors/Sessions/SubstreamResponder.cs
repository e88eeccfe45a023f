using System.Security.Cryptography;
using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Actors.Transport;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>
/// Server side of a substream handshake, run off the mailbox under one deadline (the handshake timeout):
/// hello → (with a secret) challenge with a fresh server nonce and the server's proof → the client's proof.
/// It never writes the verdict: Accepted goes out as the substream leg's first bytes, a refusal through the
/// <see cref="SubstreamRejector"/>, once the proxy has decided. Every failure is a
/// <see cref="HandshakeRejectedException"/> (with its reason code) or a timeout or I/O error.
/// </summary>
internal static class SubstreamResponder
{
    /// <param name="sessionKeys">The key a JOIN to the session with this id must prove, if it was opened with one.</param>
    public static async Task<AcceptedHandshake> RespondAsync(SubstreamConnection connection, StriperSettings settings, Func<Guid, byte[]?> sessionKeys)
    {
        using var deadline = new HandshakeDeadline(settings.HandshakeTimeout);
        var hello = new byte[Handshake.Size];

        // The first 8 bytes say whether this is a striper of our version at all, before we wait for more.
        await deadline.ReadExactlyAsync(connection, hello, "handshake", upTo: Handshake.PrefixSize);
        if (Handshake.CheckPrefix(hello, out var error) is { } refusal)
        {
            throw new HandshakeRejectedException(refusal, error!);
        }

        await deadline.ReadExactlyAsync(connection, hello, "handshake", from: Handshake.PrefixSize);
        if (!Handshake.TryRead(hello, out var handshake, out error))
        {
            throw new HandshakeRejectedException(HandshakeStatus.BadHandshake, error!);
        }

        HostPort? target = null;
        if ((handshake.Flags & HandshakeFlags.Target) != 0)
        {
            var length = new byte[HandshakeTarget.LengthSize];
            await deadline.ReadExactlyAsync(connection, length, "target length");
            if (!HandshakeTarget.TryReadLength(length, out var size, out error))
            {
                throw new HandshakeRejectedException(HandshakeStatus.BadHandshake, error!);
            }

            var text = new byte[size];
            await deadline.ReadExactlyAsync(connection, text, "target");
            if (!HandshakeTarget.TryParse(text, out var parsed, out error))
            {
                throw new HandshakeRejectedException(HandshakeStatus.BadHandshake, error!);
            }

            target = parsed;

            // The proofs cover what the client sent: the hello and its target.
            hello = [.. hello, .. length, .. text];
        }

        var wantsAuth = (handshake.Flags & HandshakeFlags.Authenticate) != 0;
        var wantsEncryption = (handshake.Flags & HandshakeFlags.Encrypt) != 0;
        if (settings.Secret is not { } secret)
        {
            return wantsAuth
                ? throw new HandshakeRejectedException(HandshakeStatus.NoSecret, "the client holds a shared secret, this server has none")
                : wantsEncryption
                    ? throw new HandshakeRejectedException(HandshakeStatus.BadHandshake, "the client asks for encryption without authentication")
                    : new AcceptedHandshake(handshake, null, target);
        }

        if (!wantsAuth)
        {
            throw new HandshakeRejectedException(HandshakeStatus.SecretRequired, "the client offered no proof of the shared secret (it has none)");
        }

        var key = HandshakeProof.KeyFor(secret, JoinKey(handshake, sessionKeys));
        var encrypt = wantsEncryption || settings.Encrypt;
        var challenge = new byte[HandshakeReply.ChallengeSize];
        HandshakeReply.WritePrefix(challenge, HandshakeReplyType.Challenge, HandshakeStatus.Accepted, encrypt ? HandshakeFlags.Encrypt : HandshakeFlags.None);
        RandomNumberGenerator.Fill(challenge.AsSpan(HandshakeReply.Size, ProtocolConstants.NonceSize));
        var head = challenge.AsSpan(0, HandshakeReply.ChallengeHeadSize);
        HandshakeProof.ComputeServer(key, hello, head, challenge.AsSpan(HandshakeReply.ChallengeHeadSize));
        await deadline.SendAsync(connection, challenge, "challenge");

        var proof = new byte[ProtocolConstants.ProofSize];
        await deadline.ReadExactlyAsync(connection, proof, "client proof");
        if (!HandshakeProof.VerifyClient(key, hello, challenge.AsSpan(0, HandshakeReply.ChallengeHeadSize), proof))
        {
            throw new HandshakeRejectedException(
                HandshakeStatus.BadSecret,
                key == secret.ProofKey
                    ? "bad secret: the client's proof does not match this server's secret (a different secret, or a replayed handshake)"
                    : $"bad secret: the client's proof does not match session {handshake.SessionId}'s key (not the proxy that opened it, or a replayed handshake)");
        }

        var sessionKey = handshake.Kind == HandshakeKind.Open && (handshake.Flags & HandshakeFlags.SessionKey) != 0
            ? HandshakeProof.DeriveSessionKey(secret, hello, challenge.AsSpan(0, HandshakeReply.ChallengeHeadSize))
            : null;

        var cipher = encrypt
            ? SubstreamCipher.Derive(secret, handshake.SessionId, handshake.Index, handshake.Nonce, challenge.AsSpan(HandshakeReply.Size, ProtocolConstants.NonceSize), isServer: true)
            : null;
        return new AcceptedHandshake(handshake, cipher, target, sessionKey);
    }

    /// <summary>
    /// The session key a JOIN must prove, or null for one proven with the secret. A session opened with a key takes
    /// no JOIN without it, or a holder of the secret who read a session id in a log could join someone's session.
    /// </summary>
    private static byte[]? JoinKey(Handshake handshake, Func<Guid, byte[]?> sessionKeys)
    {
        if (handshake.Kind != HandshakeKind.Join)
        {
            return null;
        }

        var key = sessionKeys(handshake.SessionId);
        var proves = (handshake.Flags & HandshakeFlags.SessionKey) != 0;
        return (proves, key) switch
        {
            (true, null) => throw new HandshakeRejectedException(HandshakeStatus.UnknownSession, $"a JOIN for session {handshake.SessionId}, which this server does not have"),
            (false, not null) => throw new HandshakeRejectedException(HandshakeStatus.Conflict, $"a JOIN to session {handshake.SessionId} without its session key (the session was opened with one)"),
            _ => key,
        };
    }
}
