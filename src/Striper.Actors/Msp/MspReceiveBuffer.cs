namespace Striper.Actors.Msp;

/// <summary>
/// The receiver's reorder buffer: a ring indexed by sequence number from the next expected one. The stream keeps
/// every stored sequence number below next + capacity (its advertised window is never larger), so slots never clash.
/// The ring may grow (never shrink), so the window it backs only ever moves its right edge forward.
/// </summary>
internal sealed class MspReceiveBuffer
{
    private ReadOnlyMemory<byte>[] _payloads;
    private byte[] _present; // 0 empty, 1 message, 2 end of stream
    private long _mask;
    private long _sackCursor;

    public MspReceiveBuffer(int capacity)
    {
        var size = SizeFor(capacity);
        _payloads = new ReadOnlyMemory<byte>[size];
        _present = new byte[size];
        _mask = size - 1;
        Capacity = size;
    }

    public int Capacity { get; private set; }

    /// <summary>
    /// Grows the ring to hold <paramref name="capacity"/> (rounded up to a power of two); a smaller one changes nothing.
    /// Stored entries keep their sequence numbers: each moves to its slot in the larger ring.
    /// </summary>
    public void Grow(int capacity)
    {
        var size = SizeFor(capacity);
        if (size <= Capacity)
        {
            return;
        }

        var payloads = new ReadOnlyMemory<byte>[size];
        var present = new byte[size];
        var mask = size - 1L;
        for (var s = Next; s < High; s++)
        {
            payloads[s & mask] = _payloads[s & _mask];
            present[s & mask] = _present[s & _mask];
        }

        _payloads = payloads;
        _present = present;
        _mask = mask;
        Capacity = size;
    }

    private static int SizeFor(int capacity) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity));

    /// <summary>The next sequence number expected in order (the cumulative ack).</summary>
    public long Next { get; private set; }

    /// <summary>One past the highest sequence number stored; equals <see cref="Next"/> when nothing is out of order.</summary>
    public long High { get; private set; }

    public int OutOfOrderCount { get; private set; }

    public bool HasGaps => High > Next;

    public bool Contains(long sequence) => sequence >= Next && sequence < Next + Capacity && _present[sequence & _mask] != 0;

    public void Store(long sequence, bool isFin, ReadOnlyMemory<byte> payload)
    {
        if (sequence < Next || sequence >= Next + Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), $"{sequence} is outside [{Next}, {Next + Capacity})");
        }

        var slot = sequence & _mask;
        if (_present[slot] != 0)
        {
            return;
        }

        _present[slot] = isFin ? (byte)2 : (byte)1;
        _payloads[slot] = payload;
        OutOfOrderCount++;
        if (sequence >= High)
        {
            High = sequence + 1;
        }
    }

    /// <summary>Takes the next in-order entry, if it is here.</summary>
    public bool TryTakeNext(out ReadOnlyMemory<byte> payload, out bool isFin)
    {
        var slot = Next & _mask;
        if (_present[slot] == 0)
        {
            payload = default;
            isFin = false;
            return false;
        }

        isFin = _present[slot] == 2;
        payload = _payloads[slot];
        _present[slot] = 0;
        _payloads[slot] = default;
        OutOfOrderCount--;
        Next++;
        if (High < Next)
        {
            High = Next;
        }

        return true;
    }

    /// <summary>
    /// Fills <paramref name="blocks"/> with up to its length runs of stored sequence numbers above <see cref="Next"/>:
    /// first the run holding <paramref name="latest"/> (RFC 2018: the newest arrival first), then others in rotation, so
    /// that with more runs than fit in one packet successive acks still describe all of them.
    /// </summary>
    public int FillSackBlocks(long latest, Span<MspSackBlock> blocks)
    {
        if (!HasGaps || blocks.Length == 0)
        {
            return 0;
        }

        var count = 0;
        var (latestStart, latestEnd) = RunAround(latest);
        if (latestEnd > latestStart)
        {
            blocks[count++] = new MspSackBlock(MspSequence.ToWire(latestStart), MspSequence.ToWire(latestEnd));
        }

        if (_sackCursor < Next || _sackCursor >= High)
        {
            _sackCursor = Next;
        }

        // One pass over [cursor, High) then [Next, cursor), skipping the run already reported.
        var scanned = 0L;
        var span = High - Next;
        var s = _sackCursor;
        while (count < blocks.Length && scanned < span)
        {
            if (s >= High)
            {
                s = Next;
            }

            if (_present[s & _mask] == 0)
            {
                s++;
                scanned++;
                continue;
            }

            var runStart = s;
            while (s < High && _present[s & _mask] != 0)
            {
                s++;
                scanned++;
            }

            if (runStart != latestStart)
            {
                blocks[count++] = new MspSackBlock(MspSequence.ToWire(runStart), MspSequence.ToWire(s));
                _sackCursor = s;
            }
        }

        return count;
    }

    private (long Start, long End) RunAround(long sequence)
    {
        if (sequence <= Next || sequence >= High || _present[sequence & _mask] == 0)
        {
            return (0, 0);
        }

        var start = sequence;
        while (start - 1 >= Next && _present[(start - 1) & _mask] != 0)
        {
            start--;
        }

        var end = sequence + 1;
        while (end < High && _present[end & _mask] != 0)
        {
            end++;
        }

        return (start, end);
    }
}
