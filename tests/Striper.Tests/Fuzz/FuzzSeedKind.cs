namespace Striper.Tests.Fuzz;

/// <summary>Which decoder a seed feeds.</summary>
internal enum FuzzSeedKind
{
    /// <summary>Client to server: a 32-byte handshake, then frames.</summary>
    SubstreamUp,

    /// <summary>Server to client: an 8-byte handshake reply, then frames.</summary>
    SubstreamDown,

    /// <summary>One MSP datagram.</summary>
    MspDatagram,

    /// <summary>One MDP datagram (HELLO, DATA or ACK) captured between two live nodes.</summary>
    MdpDatagram,
}
