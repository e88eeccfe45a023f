namespace Striper.Actors.Mdp;

/// <summary>
/// The receiving side of a hop: which hop sequence numbers have arrived, so each datagram is delivered once however
/// often it is retransmitted, and what to acknowledge. Datagrams are delivered as they arrive, in any order: there is
/// no head-of-line blocking, so a hole only costs the datagram in it. Everything at or below <see cref="Cumulative"/>
/// is final (arrived, or given up by the sender, which says so with the floor of each datagram); a bitmap of
/// <see cref="Span"/> numbers above it remembers what arrived out of order.
/// </summary>
internal sealed class MdpReceiveWindow
{
    public const int Span = 1024;
    private const int Mask = Span - 1;

    private readonly ulong[] _bits = new ulong[Span / 64];
    private long _cumulative;

    public MdpReceiveWindow(uint nextSequence) => Reset(nextSequence);

    /// <summary>Every sequence number up to this one is final.</summary>
    public long Cumulative => _cumulative;

    public uint WireCumulative => (uint)_cumulative;

    /// <summary>The peer restarted its sequence (a new incarnation in its hello).</summary>
    public void Reset(uint nextSequence)
    {
        Array.Clear(_bits);
        _cumulative = (long)nextSequence - 1;
    }

    /// <summary>Records an arrival; true if it is new (deliver it), false for a duplicate.</summary>
    public bool Accept(uint wireSequence, uint wireFloor)
    {
        var floor = MdpSequence.Unwrap(wireFloor, _cumulative + 1);
        if (floor - 1 > _cumulative)
        {
            Advance(floor - 1);
        }

        var sequence = MdpSequence.Unwrap(wireSequence, _cumulative + 1);
        if (sequence <= _cumulative || IsSet(sequence))
        {
            return false;
        }

        if (sequence > _cumulative + Span)
        {
            Advance(sequence - Span);
        }

        Set(sequence);
        while (IsSet(_cumulative + 1))
        {
            Clear(_cumulative + 1);
            _cumulative++;
        }

        return true;
    }

    /// <summary>Bit i says that <see cref="Cumulative"/> + 2 + i has arrived (+1 is missing by definition).</summary>
    public ulong AckBits()
    {
        ulong bits = 0;
        for (var i = 0; i < 64; i++)
        {
            if (IsSet(_cumulative + 2 + i))
            {
                bits |= 1UL << i;
            }
        }

        return bits;
    }

    private void Advance(long to)
    {
        if (to - _cumulative >= Span)
        {
            Array.Clear(_bits);
        }
        else
        {
            for (var s = _cumulative + 1; s <= to; s++)
            {
                Clear(s);
            }
        }

        _cumulative = to;
        while (IsSet(_cumulative + 1))
        {
            Clear(_cumulative + 1);
            _cumulative++;
        }
    }

    private bool IsSet(long sequence) => (_bits[(sequence & Mask) >> 6] & (1UL << (int)(sequence & 63))) != 0;

    private void Set(long sequence) => _bits[(sequence & Mask) >> 6] |= 1UL << (int)(sequence & 63);

    private void Clear(long sequence) => _bits[(sequence & Mask) >> 6] &= ~(1UL << (int)(sequence & 63));
}
