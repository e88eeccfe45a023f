namespace Striper.Actors.Metrics;

/// <summary>
/// One substream index of one connection, as this proxy's sending side sees it. Each field has one writer (the
/// session's Striper, or the session for state and redials) and is read by the control endpoint without a lock:
/// plain volatile reads and writes of whole 64-bit values, nothing allocated per chunk.
/// </summary>
public sealed class SubstreamStats
{
    private long _bytesSent;
    private long _inFlight;
    private long _smoothedRttTicks = -1;
    private long _minRttTicks = -1;
    private long _deliveryRateBits;
    private int _state = (int)SubstreamState.Unused;
    private int _redials;
    private int _transport;
    private MspSubstreamStatus? _msp;

    public SubstreamStats(int index)
    {
        Index = index;
    }

    public int Index { get; }

    /// <summary>"tcp" or "msp": what the current leg of this index travels on.</summary>
    public string Transport => Volatile.Read(ref _transport) == 1 ? "msp" : "tcp";

    public SubstreamState State => (SubstreamState)Volatile.Read(ref _state);

    /// <summary>DATA payload bytes sent on this index, first sends and resends, over every leg it has had.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Sent on the current leg and not yet confirmed by the far side.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Null until the first acknowledgement echoed a send time.</summary>
    public TimeSpan? SmoothedRtt => Volatile.Read(ref _smoothedRttTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>The smallest RTT seen: the path's own delay, without the queues in front of it.</summary>
    public TimeSpan? MinRtt => Volatile.Read(ref _minRttTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>Bytes per second the far side confirmed lately (the scheduler's estimate); 0 until measured.</summary>
    public double DeliveryRate => BitConverter.Int64BitsToDouble(Volatile.Read(ref _deliveryRateBits));

    /// <summary>The MSP stream's own view of its path, refreshed about once a second; null on TCP (and before the first refresh).</summary>
    public MspSubstreamStatus? Msp => Volatile.Read(ref _msp);

    /// <summary>Times this index was dialled again after it was lost (client side).</summary>
    public int Redials => Volatile.Read(ref _redials);

    internal void SetState(SubstreamState state) => Volatile.Write(ref _state, (int)state);

    internal void SetTransport(bool msp)
    {
        Volatile.Write(ref _transport, msp ? 1 : 0);
        if (!msp)
        {
            Volatile.Write(ref _msp, null);
        }
    }

    /// <summary>One whole snapshot at a time: a reader never sees the figures of two moments mixed.</summary>
    internal void SetMsp(MspSubstreamStatus figures) => Volatile.Write(ref _msp, figures);

    /// <summary>The publishing stream is gone: clear its figures, unless another leg of this index has published since.</summary>
    internal void ClearMsp(MspSubstreamStatus published) => Interlocked.CompareExchange(ref _msp, null, published);

    internal void AddSent(long bytes) => Volatile.Write(ref _bytesSent, _bytesSent + bytes);

    internal void SetPath(long inFlight, TimeSpan? smoothedRtt, TimeSpan? minRtt, double deliveryRate)
    {
        Volatile.Write(ref _inFlight, inFlight);
        Volatile.Write(ref _smoothedRttTicks, smoothedRtt?.Ticks ?? -1);
        Volatile.Write(ref _minRttTicks, minRtt?.Ticks ?? -1);
        Volatile.Write(ref _deliveryRateBits, BitConverter.DoubleToInt64Bits(deliveryRate));
    }

    internal void Redialled() => Volatile.Write(ref _redials, _redials + 1);
}
