namespace Striper.Actors.Metrics;

/// <summary>
/// One tunnelled connection, for the status view: who, where to, since when, bytes each way, resends, and each
/// substream. Written by the session's actors (one writer per field), read by the control endpoint without locks.
/// </summary>
public sealed class ConnectionStats
{
    private readonly SubstreamStats[] _substreams;
    private long _bytesOut;
    private long _bytesIn;
    private long _outDelivered;
    private long _outCarried;
    private long _inCarried;
    private long _resentBytes;

    /// <param name="peer">The application (client proxy) or the client proxy (server proxy) at the other end.</param>
    /// <param name="target">Where the bytes go: the server proxy (client) or the target (server).</param>
    public ConnectionStats(Guid id, string peer, string target, int substreams, DateTimeOffset openedAt)
    {
        Id = id;
        Peer = peer;
        Target = target;
        OpenedAt = openedAt;
        _substreams = new SubstreamStats[substreams];
        for (var i = 0; i < substreams; i++)
        {
            _substreams[i] = new SubstreamStats(i);
        }
    }

    public Guid Id { get; }

    public string Peer { get; }

    public string Target { get; }

    public DateTimeOffset OpenedAt { get; }

    /// <summary>Bytes read from this proxy's edge and striped to the far proxy.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Bytes the far proxy striped to us, written to this proxy's edge.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Bytes sent again on another substream after the one carrying them was lost.</summary>
    public long ResentBytes => Volatile.Read(ref _resentBytes);

    public IReadOnlyList<SubstreamStats> Substreams => _substreams;

    /// <summary>The stats of substream <paramref name="index"/>, or null for an index beyond the session's count.</summary>
    public SubstreamStats? Substream(int index) => (uint)index < (uint)_substreams.Length ? _substreams[index] : null;

    /// <summary>Outbound bytes the far side has written to its edge (what its acknowledgements report delivered).</summary>
    public long OutDelivered => Volatile.Read(ref _outDelivered);

    internal void SetOutDelivered(long bytes) => Volatile.Write(ref _outDelivered, bytes);

    /// <summary>
    /// Bytes the substreams carried: outbound ones the far proxy acknowledged receiving, and inbound ones received, in
    /// order or not. It follows the paths' rate closely, where bytes delivered to an edge come in bursts whenever a
    /// late piece releases what waited behind it in the reorder buffer.
    /// </summary>
    public long Carried => Volatile.Read(ref _outCarried) + Volatile.Read(ref _inCarried);

    internal void AddOutCarried(long bytes) => Volatile.Write(ref _outCarried, _outCarried + bytes);

    internal void AddInCarried(long bytes) => Volatile.Write(ref _inCarried, _inCarried + bytes);

    internal void AddOut(long bytes) => Volatile.Write(ref _bytesOut, _bytesOut + bytes);

    internal void AddIn(long bytes) => Volatile.Write(ref _bytesIn, _bytesIn + bytes);

    internal void AddResent(long bytes) => Volatile.Write(ref _resentBytes, _resentBytes + bytes);
}
