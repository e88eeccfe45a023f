namespace Striper.Actors.Wire;

/// <summary>The kind of a server handshake message (byte 5 of every reply).</summary>
internal enum HandshakeReplyType : byte
{
    /// <summary>Server nonce and proof follow; the client answers with its proof.</summary>
    Challenge = 1,

    /// <summary>The answer: Accepted (frames follow) or a refusal reason (a close follows).</summary>
    Verdict = 2,
}
