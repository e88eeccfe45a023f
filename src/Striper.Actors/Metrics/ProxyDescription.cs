namespace Striper.Actors.Metrics;

/// <summary>
/// What a proxy is, for the head of its status: "client" or "server", where it listens, where it sends, and the TCP
/// congestion control its substreams use (<see cref="Proxy.RunningProxy.TcpCongestionControl"/>; null if none are TCP).
/// </summary>
public sealed record ProxyDescription(string Role, string Listen, string Remote, string? TcpCongestionControl = null);
