namespace Striper.Actors.Mdp;

/// <summary>The second byte of every MDP datagram.</summary>
internal enum MdpPacketType : byte
{
    Hello = 1,
    Data = 2,
    Ack = 3,
}
