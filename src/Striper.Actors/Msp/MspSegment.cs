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
}
