namespace Striper.Actors.Msp;

/// <summary>A stream's counters and estimates, for tests, logs and metrics.</summary>
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

    /// <summary>striper.msp.congestion-control's name for the algorithm ("bbr", "westwood", "newreno").</summary>
    public string CongestionControl { get; init; } = "";

    /// <summary>What it is doing: "startup", "drain", "probe-bw up|down|cruise", "probe-rtt"; "slow-start", "avoidance", "recovery".</summary>
    public string CongestionPhase { get; init; } = "";

    /// <summary>Estimated bottleneck bandwidth (BBR) or filtered delivery rate (Westwood+), packets per second; 0 until measured.</summary>
    public double EstimatedBandwidth { get; init; }

    /// <summary><see cref="EstimatedBandwidth"/> in bytes per second, at the mean size of the messages sent so far.</summary>
    public double EstimatedBandwidthBytes { get; init; }

    /// <summary>Pacing rate, packets per second (infinity when not pacing yet or pacing is off).</summary>
    public double PacingRate { get; init; }

    /// <summary><see cref="PacingRate"/> in bytes per second, at the mean size of the messages sent so far (infinity like it).</summary>
    public double PacingRateBytes { get; init; }

    /// <summary>Recent fraction of packets declared lost (BBR: per round, smoothed over about 8 rounds; NewReno: over the stream's life).</summary>
    public double LossRate { get; init; }

    /// <summary>Minimum RTT over the last 10 s.</summary>
    public TimeSpan MinRtt { get; init; }

    /// <summary>Send ring slots: the most messages the stream holds unacknowledged.</summary>
    public int SendBufferSlots { get; init; }

    /// <summary>Receive ring slots: the most messages the receiver holds (its window when the owner has consumed everything).</summary>
    public int ReceiveBufferSlots { get; init; }

    public TimeSpan SmoothedRtt { get; init; }

    public TimeSpan Rto { get; init; }

    /// <summary>Sending side: lowest unacknowledged, next new, next to assign, peer window edge, packets in the pipe.</summary>
    public string SendState { get; init; } = "";

    /// <summary>Receiving side: next expected, highest stored + 1, messages not yet consumed by the owner.</summary>
    public string ReceiveState { get; init; } = "";
}
