namespace Striper.Actors.Msp;

/// <summary>What an MSP packet carries. Every packet also carries the acknowledgement fields; <see cref="Ack"/> says they are valid.</summary>
[Flags]
internal enum MspFlags : byte
{
    None = 0,

    /// <summary>Sent by the initiator until it has heard from the peer: the receiver may create the stream.</summary>
    Syn = 0x01,

    /// <summary>The cumulative ack, SACK blocks and timestamp echo are valid.</summary>
    Ack = 0x02,

    /// <summary>The packet carries one message (possibly empty) at its sequence number.</summary>
    Data = 0x04,

    /// <summary>The sender's last sequence number: no message follows it. Consumes one sequence number.</summary>
    Fin = 0x08,

    /// <summary>The stream is aborted; the reason byte says why.</summary>
    Rst = 0x10,

    /// <summary>The sender asks for an immediate acknowledgement (liveness, zero-window probe).</summary>
    Keepalive = 0x20,

    /// <summary>Sent by the end that opened the stream; with the stream id it names the stream at each end.</summary>
    FromInitiator = 0x40,
}
