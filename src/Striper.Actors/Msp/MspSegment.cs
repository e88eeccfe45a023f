namespace Striper.Actors.Msp;

/// <summary>
/// One sequence number on the sending side, from the owner's message until the peer acknowledges it. Kept by value in
/// the stream's ring and changed through refs, so the scoreboard costs no allocation per packet.
/// </summary>
internal struct MspSegment
{
    public ReadOnlyMemory<byte> Payload;

    /// <summary>Order of the latest transmission among all transmissions of the stream (for loss detection).</summary>
    public long TransmitId;

    public int Transmissions;

    public bool IsFin;

    /// <summary>The peer reported it in a SACK block: it arrived, but is not yet covered by the cumulative ack.</summary>
    public bool Sacked;

    /// <summary>Declared lost and waiting to be sent again.</summary>
    public bool Lost;

    /// <summary>Counted in the pipe: sent, and neither acknowledged, SACKed nor declared lost since.</summary>
    public bool InFlight;

    /// <summary>Delivery-rate state at the latest transmission (<see cref="MspDeliveryRate"/>): clock timestamp of the send.</summary>
    public long SentAt;

    /// <summary>Packets delivered on the stream when this transmission left.</summary>
    public long DeliveredAtSend;

    /// <summary>When the latest of those was delivered.</summary>
    public long DeliveredTimeAtSend;

    /// <summary>Send time of the packet whose delivery started the current sampling interval.</summary>
    public long FirstSentAtSend;

    /// <summary>The sender was application-limited when this transmission left.</summary>
    public bool AppLimitedAtSend;
}
