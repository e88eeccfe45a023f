namespace Striper.Actors.Msp;

/// <summary>
/// What an <see cref="MspStream"/> asks of its congestion control: how many packets may be in flight and how fast to
/// send them. The stream reports every acknowledgement (with a delivery-rate sample), every packet it declares lost,
/// and every retransmission timeout; the algorithm keeps its own state. Three implement it
/// (<see cref="MspCongestionAlgorithm"/>): the model-based <see cref="MspBbrCongestionControl"/> (the default) and
/// <see cref="MspNewRenoCongestionControl"/> with or without Westwood+'s decrease. Units are packets (one message is
/// one packet) and seconds.
/// </summary>
internal interface IMspCongestionControl
{
    MspCongestionAlgorithm Algorithm { get; }

    /// <summary>Packets that may be in flight.</summary>
    double Window { get; }

    /// <summary>Estimated bottleneck bandwidth (or delivery rate), packets per second; 0 until measured.</summary>
    double Bandwidth { get; }

    /// <summary>Recent fraction of packets declared lost, 0 to 1.</summary>
    double LossRate { get; }

    /// <summary>What the algorithm is doing, for stats ("startup", "probe-bw", "recovery", ...).</summary>
    string Phase { get; }

    /// <summary>Packets per second to pace at; infinite when pacing has nothing to go on yet.</summary>
    double PacingRate(MspRttEstimator rtt);

    /// <summary>An acknowledgement arrived (it may have delivered nothing: a duplicate ack).</summary>
    void OnAck(in MspAckSample ack, MspRttEstimator rtt);

    /// <summary>One packet was declared lost (by SACK order or duplicate acks); <paramref name="inFlight"/> is the pipe before it left.</summary>
    void OnPacketLost(long highestSent, int inFlight, MspRttEstimator rtt);

    /// <summary>The retransmission timer expired with data outstanding.</summary>
    void OnTimeout(long highestSent, MspRttEstimator rtt);
}
