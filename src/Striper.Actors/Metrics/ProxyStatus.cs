namespace Striper.Actors.Metrics;

/// <summary>
/// What <c>striper status</c>, <c>/api/status</c> and the dashboard show of one proxy at one moment. Rates are bytes
/// per second over the interval since the sample before. Serialized as JSON as it is: the names are the contract.
/// <c>tcpCongestionControl</c> is what the proxy's TCP substreams use ("bbr", "cubic (system default)", "cubic (system
/// default; bbr not available)"), null for a client proxy whose substreams are all MSP.
/// </summary>
public sealed record ProxyStatus(
    string Role,
    string Listen,
    string Remote,
    string? TcpCongestionControl,
    DateTimeOffset Time,
    double UptimeSeconds,
    long SessionsOpened,
    long SessionsActive,
    long BytesOut,
    long BytesIn,
    double RateOut,
    double RateIn,
    long ResentBytes,
    long SubstreamsLost,
    long Redials,
    long BufferLimit,
    long BufferInUse,
    IReadOnlyList<ConnectionStatus> Connections);
