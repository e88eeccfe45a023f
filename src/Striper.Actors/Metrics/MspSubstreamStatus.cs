namespace Striper.Actors.Metrics;

/// <summary>
/// What an MSP substream's stream knows about its path (docs/MSP.md), as its port last published it: the congestion
/// control's model and what the stream may hold. Rates are bytes per second at the mean size of the messages sent.
/// </summary>
/// <param name="CongestionControl">striper.msp.congestion-control's name ("bbr", "westwood", "newreno").</param>
/// <param name="Phase">What the algorithm is doing ("startup", "probe-bw cruise", "recovery", ...).</param>
/// <param name="EstimatedBandwidth">The bottleneck bandwidth the model believes in (Westwood+: filtered delivery rate); 0 until measured.</param>
/// <param name="MinRttMilliseconds">The smallest RTT of the last 10 s; null before the first sample.</param>
/// <param name="CongestionWindow">Packets (one message each) the congestion control lets be in flight.</param>
/// <param name="PacingRate">What the stream paces at; null while it has nothing to pace by, or pacing is off.</param>
/// <param name="LossRate">Recent fraction of packets declared lost, 0 to 1.</param>
/// <param name="SendBufferMessages">Messages the send ring holds now (it grows with the path, docs/MSP.md).</param>
/// <param name="ReceiveWindowMessages">Messages the receive window holds now.</param>
public sealed record MspSubstreamStatus(
    string CongestionControl,
    string Phase,
    double EstimatedBandwidth,
    double? MinRttMilliseconds,
    double CongestionWindow,
    double? PacingRate,
    double LossRate,
    int SendBufferMessages,
    int ReceiveWindowMessages);
