namespace Striper.Actors.Msp;

/// <summary>
/// What one acknowledgement told the sender, for <see cref="IMspCongestionControl.OnAck"/>.
/// </summary>
/// <param name="Now">Clock timestamp of the ack's arrival.</param>
/// <param name="Delivered">Packets newly acknowledged or SACKed by it.</param>
/// <param name="CumulativeAck">The cumulative ack after it.</param>
/// <param name="TotalDelivered">Packets delivered over the stream's life, this ack's included.</param>
/// <param name="DeliveryRate">Packets per second from <see cref="MspDeliveryRate"/>; 0 when the ack gave no valid sample.</param>
/// <param name="AppLimited">The rate sample was taken while the sender had too little to send (it says little about the path).</param>
/// <param name="PriorDelivered">
/// <see cref="TotalDelivered"/> when the newest packet this ack delivered was sent, or -1: once it passes the value at
/// the start of a round, that round trip is over.
/// </param>
/// <param name="Rtt">The RTT sample this ack gave, or <see cref="TimeSpan.Zero"/> for none.</param>
/// <param name="InFlight">Packets in flight after it.</param>
internal readonly record struct MspAckSample(
    long Now,
    int Delivered,
    long CumulativeAck,
    long TotalDelivered,
    double DeliveryRate,
    bool AppLimited,
    long PriorDelivered,
    TimeSpan Rtt,
    int InFlight);
