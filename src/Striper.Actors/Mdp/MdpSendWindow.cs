using System.Numerics;

namespace Striper.Actors.Mdp;

/// <summary>
/// The sending side of a hop: each datagram sent keeps its bytes in a slot (no allocation per datagram) until the neighbour acknowledges it, it has been retransmitted <see cref="MdpSettings.HopRetries"/> times, or the
/// window is full and it is the oldest. Giving up is normal: MDP is a datagram service and MSP repairs what a hop
/// could not. Acknowledged datagrams give RTT samples (first transmissions only, Karn's rule) for the hop RTO.
/// Not thread-safe: <see cref="MdpHopLink"/> guards it.
/// <para>
/// Slots live in pages of <see cref="SlotsPerPage"/>, each allocated the first time the ring reaches it, so a link
/// that has sent few datagrams (a stranger's signed hello opens a link that sends none) holds a page or none rather
/// than hop-window × MTU bytes; a link that has sent a window's worth holds the whole window and keeps it. Pages stay
/// under the large object heap's threshold at the default MTU.
/// </para>
/// </summary>
internal sealed class MdpSendWindow
{
    /// <summary>Slots per page: 32 × 1400 bytes is 44,800 bytes, allocated young.</summary>
    public const int SlotsPerPage = 32;

    private readonly int _slotSize;
    private readonly int _mask;
    private readonly byte[]?[] _pages;
    private readonly int[] _length;
    private readonly long[] _firstSent;
    private readonly long[] _lastSent;
    private readonly byte[] _retries;
    private readonly bool[] _done;
    private long _base;
    private long _next;

    public MdpSendWindow(int capacity, int slotSize, uint firstSequence)
    {
        var size = CapacityFor(capacity);
        _mask = size - 1;
        _slotSize = slotSize;
        _pages = new byte[]?[(size + SlotsPerPage - 1) / SlotsPerPage];
        _length = new int[size];
        _firstSent = new long[size];
        _lastSent = new long[size];
        _retries = new byte[size];
        _done = new bool[size];
        _base = firstSequence;
        _next = firstSequence;
    }

    public int Capacity => _mask + 1;

    /// <summary>The slots a window asked for <paramref name="requested"/> has: at least 4, at most the receive span, a power of two.</summary>
    public static int CapacityFor(int requested) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(requested, 4, MdpReceiveWindow.Span));

    /// <summary>The next sequence number to be assigned.</summary>
    public long Next => _next;

    /// <summary>The oldest sequence number still retried: sent as the floor, below it the receiver may stop waiting.</summary>
    public long Base => _base;

    public int Outstanding => (int)(_next - _base);

    public bool IsFull => _next - _base > _mask;

    /// <summary>Forgets the oldest datagram to make room; the caller counts it.</summary>
    public void DropOldest()
    {
        _done[_base & _mask] = true;
        AdvanceBase();
    }

    /// <summary>A slot for the next datagram; write it, then <see cref="Commit"/>.</summary>
    public Span<byte> Reserve() => SlotAt(_next & _mask, _slotSize);

    public long Commit(int length, long now)
    {
        var i = _next & _mask;
        _length[i] = length;
        _firstSent[i] = now;
        _lastSent[i] = now;
        _retries[i] = 0;
        _done[i] = false;
        return _next++;
    }

    public Span<byte> Slot(long sequence) => SlotAt(sequence & _mask, _length[sequence & _mask]);

    /// <summary>Bytes the window holds now (its pages so far).</summary>
    public long AllocatedBytes => _pages.Sum(p => (long)(p?.Length ?? 0));

    private Span<byte> SlotAt(long index, int length)
    {
        var page = (int)(index / SlotsPerPage);
        var bytes = _pages[page] ??= new byte[Math.Min(SlotsPerPage, _mask + 1) * _slotSize];
        return bytes.AsSpan((int)(index % SlotsPerPage) * _slotSize, length);
    }

    /// <summary>
    /// Applies an acknowledgement; returns how many datagrams it newly covered and, through <paramref name="rttSampleSentAt"/>,
    /// the send time of the newest first transmission it covered (or -1).
    /// </summary>
    public int OnAck(uint wireCumulative, ulong bits, out long rttSampleSentAt)
    {
        rttSampleSentAt = -1;
        var cumulative = MdpSequence.Unwrap(wireCumulative, _next - 1);
        if (cumulative >= _next)
        {
            return 0;
        }

        var acked = 0;
        for (var s = _base; s <= cumulative; s++)
        {
            acked += MarkDone(s, ref rttSampleSentAt);
        }

        for (var i = 0; bits != 0 && i < 64; i++, bits >>= 1)
        {
            var s = cumulative + 2 + i;
            if ((bits & 1) != 0 && s >= _base && s < _next)
            {
                acked += MarkDone(s, ref rttSampleSentAt);
            }
        }

        AdvanceBase();
        return acked;
    }

    /// <summary>
    /// Visits datagrams unacknowledged for <paramref name="rto"/>: <paramref name="retransmit"/> is called for each one
    /// with retries left (its retry count and send time are updated); the others are given up. Returns how many were given up.
    /// </summary>
    public int CollectDue(long now, long rto, int maxRetries, Action<long> retransmit)
    {
        var abandoned = 0;
        for (var s = _base; s < _next; s++)
        {
            var i = s & _mask;
            if (now - _firstSent[i] < rto)
            {
                break;
            }

            if (_done[i] || now - _lastSent[i] < rto)
            {
                continue;
            }

            if (_retries[i] >= maxRetries)
            {
                _done[i] = true;
                abandoned++;
                continue;
            }

            _retries[i]++;
            _lastSent[i] = now;
            retransmit(s);
        }

        AdvanceBase();
        return abandoned;
    }

    private int MarkDone(long s, ref long rttSampleSentAt)
    {
        var i = s & _mask;
        if (_done[i])
        {
            return 0;
        }

        _done[i] = true;
        if (_retries[i] == 0)
        {
            rttSampleSentAt = Math.Max(rttSampleSentAt, _firstSent[i]);
        }

        return 1;
    }

    private void AdvanceBase()
    {
        while (_base < _next && _done[_base & _mask])
        {
            _base++;
        }
    }
}
