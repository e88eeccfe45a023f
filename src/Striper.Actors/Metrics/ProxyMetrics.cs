using System.Collections.Concurrent;

namespace Striper.Actors.Metrics;

/// <summary>
/// Counters a proxy keeps for whoever watches it (the demo's live view, the control endpoint's status, metrics and
/// dashboard), and the open connections' own <see cref="ConnectionStats"/>. Updated with interlocked adds per chunk,
/// never per byte; reading them takes no lock.
/// </summary>
public sealed class ProxyMetrics
{
    private readonly long[] _substreamBytes = new long[Wire.Handshake.MaxSubstreams];
    private readonly ConcurrentDictionary<Guid, ConnectionStats> _connections = new();
    private long _bytesOut;
    private long _bytesIn;
    private long _resentBytes;
    private long _substreamsLost;
    private long _redials;
    private long _sessionsOpened;
    private long _sessionsClosed;
    private long _pendingHandshakes;
    private long _connectionsShed;

    public long SessionsOpened => Volatile.Read(ref _sessionsOpened);

    public long SessionsActive => Volatile.Read(ref _sessionsOpened) - Volatile.Read(ref _sessionsClosed);

    /// <summary>The connections open now (a snapshot of the registry; each entry goes on changing).</summary>
    public IReadOnlyCollection<ConnectionStats> Connections => [.. _connections.Values];

    /// <summary>Bytes read from the edges of every connection so far, and striped to the far proxy.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Bytes written to the edges of every connection so far.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Bytes sent again after the substream carrying them was lost.</summary>
    public long ResentBytes => Volatile.Read(ref _resentBytes);

    /// <summary>Substreams that were reset, cut or stalled while their connection still needed them.</summary>
    public long SubstreamsLost => Volatile.Read(ref _substreamsLost);

    /// <summary>Replacement substreams dialled (client).</summary>
    public long Redials => Volatile.Read(ref _redials);

    /// <summary>DATA payload bytes sent on substream <paramref name="index"/> over all sessions (first sends and resends).</summary>
    public long SubstreamBytesSent(int index) => Volatile.Read(ref _substreamBytes[index]);

    /// <summary>Server: connections in their handshake or being refused (each holds one of max-pending-handshakes).</summary>
    public long PendingHandshakes => Volatile.Read(ref _pendingHandshakes);

    /// <summary>Server: connections closed at once because every handshake slot was taken.</summary>
    public long ConnectionsShed => Volatile.Read(ref _connectionsShed);

    internal void SetPendingHandshakes(int pending) => Volatile.Write(ref _pendingHandshakes, pending);

    internal void ConnectionShed() => Interlocked.Increment(ref _connectionsShed);

    internal void AddSubstreamBytes(int index, long bytes) => Interlocked.Add(ref _substreamBytes[index], bytes);

    internal void AddOut(long bytes) => Interlocked.Add(ref _bytesOut, bytes);

    internal void AddIn(long bytes) => Interlocked.Add(ref _bytesIn, bytes);

    internal void AddResent(long bytes) => Interlocked.Add(ref _resentBytes, bytes);

    internal void SubstreamLost() => Interlocked.Increment(ref _substreamsLost);

    internal void Redialled() => Interlocked.Increment(ref _redials);

    internal void SessionOpened(ConnectionStats connection)
    {
        _connections[connection.Id] = connection;
        Interlocked.Increment(ref _sessionsOpened);
    }

    internal void SessionClosed(ConnectionStats connection)
    {
        _connections.TryRemove(connection.Id, out _);
        Interlocked.Increment(ref _sessionsClosed);
    }
}
