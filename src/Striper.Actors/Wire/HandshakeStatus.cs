namespace Striper.Actors.Wire;

/// <summary>
/// The reason code of a server's verdict (flow allocation with an answer): anything but Accepted is followed
/// by a close, and the client logs the reason instead of seeing a bare reset.
/// </summary>
internal enum HandshakeStatus : byte
{
    Accepted = 0,
    UnknownSession = 1,
    TargetUnreachable = 2,
    TooManySessions = 3,
    BadHandshake = 4,
    Conflict = 5,

    /// <summary>The client's proof does not match the server's secret (a wrong secret, or a replayed handshake).</summary>
    BadSecret = 6,

    /// <summary>Reserved: a server serves one target today, so no hello names a service yet.</summary>
    UnknownService = 7,

    /// <summary>The OPEN asks for more substreams than the server's max-substreams-per-session.</summary>
    TooManySubstreams = 8,

    /// <summary>The hello's version is not this server's; the verdict still reaches an older client intact.</summary>
    UnsupportedVersion = 9,

    /// <summary>The server holds a secret and the client offered no proof.</summary>
    SecretRequired = 10,

    /// <summary>The client holds a secret but the server has none, so it cannot prove itself.</summary>
    NoSecret = 11,

    /// <summary>The OPEN names a target the server's striper.server.allow does not include (SOCKS reply 0x02).</summary>
    TargetNotAllowed = 12,
}
