using Striper.Actors.Mdp.Offload;

namespace Striper.Actors.Mdp;

/// <summary>
/// The datagrams one thread sends to one hop link during a burst (an MSP stream's <c>Pump</c>), gathered so that
/// <see cref="UdpOffload"/> can hand them to the kernel in one call. A burst is a scope on the current thread:
/// <see cref="Begin"/> opens it, disposing closes it and sends what is held. Outside a burst, and where offload is
/// not supported, every datagram leaves at once as before.
/// <para>
/// A run must be datagrams of one size (the last may be shorter) to one link, so the batch sends what it holds
/// before it takes a datagram for another link, one longer than the run's size, one after a shorter one, or one that
/// would pass the kernel's limits. Datagrams are copied in: the link's window slot stays the copy that
/// retransmissions use, and the batch's buffer is this thread's own, so no lock is held while the kernel sends.
/// </para>
/// </summary>
internal sealed class MdpSendBatch : IDisposable
{
    [ThreadStatic]
    private static MdpSendBatch? _current;

    private readonly byte[] _buffer = new byte[UdpOffload.MaxSendBytes];
    private MdpHopLink? _link;
    private int _segmentSize;
    private int _count;
    private int _used;
    private bool _open;
    private bool _sealed;

    private MdpSendBatch()
    {
    }

    /// <summary>Opens a burst on this thread; null (nothing to dispose) if one is open already or offload is off.</summary>
    public static MdpSendBatch? Begin()
    {
        if (!UdpOffload.Supported)
        {
            return null;
        }

        var batch = _current ??= new MdpSendBatch();
        if (batch._open)
        {
            return null;
        }

        batch._open = true;
        return batch;
    }

    /// <summary>
    /// Takes a copy of <paramref name="datagram"/> for <paramref name="link"/> if a burst is open on this thread and
    /// the link may segment; false means the caller sends it now.
    /// </summary>
    public static bool TryAdd(MdpHopLink link, ReadOnlySpan<byte> datagram)
    {
        var batch = _current;
        if (batch is null || !batch._open || !link.Segmentation)
        {
            return false;
        }

        batch.Add(link, datagram);
        return true;
    }

    /// <summary>Sends what the burst holds and closes it.</summary>
    public void Dispose()
    {
        Flush();
        _open = false;
    }

    private void Add(MdpHopLink link, ReadOnlySpan<byte> datagram)
    {
        if (_count > 0
            && (!ReferenceEquals(link, _link)
                || _sealed
                || datagram.Length > _segmentSize
                || _count == UdpOffload.MaxSegments
                || _used + datagram.Length > _buffer.Length))
        {
            Flush();
        }

        if (_count == 0)
        {
            _link = link;
            _segmentSize = datagram.Length;
        }

        datagram.CopyTo(_buffer.AsSpan(_used));
        _used += datagram.Length;
        _count++;
        _sealed = datagram.Length < _segmentSize;
    }

    private void Flush()
    {
        if (_count == 0)
        {
            return;
        }

        var link = _link!;
        var count = _count;
        var used = _used;
        _link = null;
        _count = 0;
        _used = 0;
        _sealed = false;
        link.SendRun(_buffer.AsSpan(0, used), _segmentSize, count);
    }
}
