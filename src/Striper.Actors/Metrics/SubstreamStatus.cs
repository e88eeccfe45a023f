namespace Striper.Actors.Metrics;

/// <summary>
/// One substream of a <see cref="ConnectionStatus"/>, as this proxy's sending side sees it: <see cref="Share"/> is its
/// part of the bytes the connection sent, <see cref="Rate"/> what it sent per second lately, <see cref="DeliveryRate"/>
/// what the scheduler believes it can deliver. <see cref="Msp"/> is the MSP stream's own model of its path (null on TCP).
/// </summary>
public sealed record SubstreamStatus(
    int Index,
    string Transport,
    string State,
    double? RttMilliseconds,
    double DeliveryRate,
    long InFlight,
    long BytesSent,
    double Share,
    double Rate,
    int Redials,
    MspSubstreamStatus? Msp = null);
