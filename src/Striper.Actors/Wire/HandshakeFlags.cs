namespace Striper.Actors.Wire;

/// <summary>What a client asks for in its hello, and what a server's challenge grants.</summary>
[Flags]
internal enum HandshakeFlags : byte
{
    None = 0,

    /// <summary>Hello: the client holds a secret and expects the challenge-proof exchange.</summary>
    Authenticate = 1,

    /// <summary>Hello: the client wants sealed frames. Challenge: frames on this substream will be sealed.</summary>
    Encrypt = 2,

    /// <summary>Hello (OPEN only): a <see cref="HandshakeTarget"/> follows the hello, naming where the server should connect.</summary>
    Target = 4,

    /// <summary>
    /// Hello, with <see cref="Authenticate"/>. OPEN: both sides derive a session key from this handshake, and JOINs to
    /// the session must prove that key. JOIN: the proofs of this handshake are made with the session key.
    /// </summary>
    SessionKey = 8,
}
