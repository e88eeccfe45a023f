namespace Striper.Actors.Wire;

/// <summary>The frames a substream carries after its handshake (see docs/PROTOCOL.md).</summary>
internal enum FrameType : byte
{
    /// <summary>Payload bytes at a stream offset, with the sender's timestamp for RTT.</summary>
    Data = 1,

    /// <summary>Per-substream receipt, timestamp echo, delivered offset and credit limit.</summary>
    Ack = 2,

    /// <summary>The sender's direction ends at the given final offset.</summary>
    Fin = 3,

    /// <summary>The session is aborted; the reason code travels in the payload.</summary>
    Rst = 4,
}
