namespace Striper.Actors.Metrics;

/// <summary>
/// Counters a proxy keeps for whoever watches it (the demo's live view, later a control plane).
/// Updated with one interlocked add per chunk, never per byte; reading them takes no lock.
/// </summary>
public sealed class ProxyMetrics
{
    private readonly long[] _substreamBytes = new long[Wire.Handshake.MaxSubstreams];
    private long _sessionsOpened;
    private long _sessionsClosed;
    private long _pendingHandshakes;
    private long _connectionsShed;

    public long SessionsOpened => Volatile.Read(ref _sessionsOpened);

    public long SessionsActive => Volatile.Read(ref _sessionsOpened) - Volatile.Read(ref _sessionsClosed);

    /// <summary>DATA payload bytes sent on substream <paramref name="index"/> over all sessions (first sends and resends).</summary>
    public long SubstreamBytesSent(int index) => Volatile.Read(ref _substreamBytes[index]);

    /// <summary>Server: connections in their handshake or being refused (each holds one of max-pending-handshakes).</summary>
    public long PendingHandshakes => Volatile.Read(ref _pendingHandshakes);

    /// <summary>Server: connections closed at once because every handshake slot was taken.</summary>
    public long ConnectionsShed => Volatile.Read(ref _connectionsShed);

    internal void SetPendingHandshakes(int pending) => Volatile.Write(ref _pendingHandshakes, pending);

    internal void ConnectionShed() => Interlocked.Increment(ref _connectionsShed);

    internal void AddSubstreamBytes(int index, long bytes) => Interlocked.Add(ref _substreamBytes[index], bytes);

    internal void SessionOpened() => Interlocked.Increment(ref _sessionsOpened);

    internal void SessionClosed() => Interlocked.Increment(ref _sessionsClosed);
}
