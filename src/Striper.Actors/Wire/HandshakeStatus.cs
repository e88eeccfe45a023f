namespace Striper.Actors.Wire;

/// <summary>The server's answer to a substream handshake; anything but Accepted is followed by a close.</summary>
internal enum HandshakeStatus : byte
{
    Accepted = 0,
    UnknownSession = 1,
    TargetUnreachable = 2,
    TooManySessions = 3,
    BadHandshake = 4,
    Conflict = 5,
}
