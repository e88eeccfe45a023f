namespace Striper.Actors.Wire;

internal enum HandshakeKind : byte
{
    /// <summary>The first substream of a session: the server connects to the target before it answers.</summary>
    Open = 1,

    /// <summary>A further substream of a session the server has already accepted.</summary>
    Join = 2,
}
