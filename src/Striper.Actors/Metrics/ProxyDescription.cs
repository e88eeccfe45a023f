namespace Striper.Actors.Metrics;

/// <summary>What a proxy is, for the head of its status: "client" or "server", where it listens, where it sends.</summary>
public sealed record ProxyDescription(string Role, string Listen, string Remote);
