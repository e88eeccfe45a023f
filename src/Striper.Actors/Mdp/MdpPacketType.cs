namespace Striper.Actors.Mdp;

/// <summary>The second byte of every MDP datagram.</summary>
internal enum MdpPacketType : byte
{
    Hello = 1,
    Data = 2,
    Ack = 3,

    /// <summary>The sender is closing its end of the link (the socket of an own-socket flow); the receiver frees its end.</summary>
    Bye = 4,
}
