namespace Striper.Actors.Metrics;

/// <summary>One tunnelled connection in a <see cref="ProxyStatus"/>; "out" is from this proxy's edge to the far proxy.</summary>
public sealed record ConnectionStatus(
    Guid Id,
    string Peer,
    string Target,
    double AgeSeconds,
    long BytesOut,
    long BytesIn,
    double RateOut,
    double RateIn,
    long ResentBytes,
    IReadOnlyList<SubstreamStatus> Substreams);
