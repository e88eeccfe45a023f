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
}
