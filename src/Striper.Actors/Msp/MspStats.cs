namespace Striper.Actors.Msp;

/// <summary>A stream's counters and estimates, for tests and (later) metrics.</summary>
internal sealed record MspStats
{
    public long PacketsSent { get; init; }

    public long PacketsReceived { get; init; }

    public long MessagesSent { get; init; }

    public long MessagesDelivered { get; init; }

    public long Retransmissions { get; init; }

    public long FastRetransmissions { get; init; }

    public long Timeouts { get; init; }

    public long TailProbes { get; init; }

    public long DuplicatesReceived { get; init; }

    public long CorruptDropped { get; init; }

    public long MalformedDropped { get; init; }

    public long ResetsSent { get; init; }

    /// <summary>Endpoint only: SYNs refused because <see cref="MspSettings.MaxStreams"/> streams were open.</summary>
    public long StreamsRefused { get; init; }

    /// <summary>Endpoint only: streams open now.</summary>
    public int Streams { get; init; }

    public double CongestionWindow { get; init; }

    public TimeSpan SmoothedRtt { get; init; }

    public TimeSpan Rto { get; init; }

    /// <summary>Sending side: lowest unacknowledged, next new, next to assign, peer window edge, packets in the pipe.</summary>
    public string SendState { get; init; } = "";

    /// <summary>Receiving side: next expected, highest stored + 1, messages not yet consumed by the owner.</summary>
    public string ReceiveState { get; init; } = "";
}
