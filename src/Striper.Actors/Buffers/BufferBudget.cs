using System.Collections.Concurrent;

namespace Striper.Actors.Buffers;

/// <summary>
/// The bytes of data one proxy's tunnelled connections may hold at once, all of them together: what each
/// connection's Striper has read from its application and the far side has not yet delivered, and what each
/// Reassembler has granted as credit and not yet written. Without it every connection could fill both of its
/// credit windows, so memory grew with the number of busy connections instead of staying under
/// <c>striper.memory-limit</c>.
///
/// Each Striper and Reassembler holds a <see cref="BufferShare"/>. Credit is taken before it is granted and given
/// back as bytes leave, with one interlocked operation per chunk. While some share gets less than it asks for,
/// the others take no more than an equal part of the limit, so a busy connection cannot keep a new one waiting.
/// </summary>
public sealed class BufferBudget
{
    private readonly ConcurrentQueue<Action> _waiters = new();
    private long _available;
    private long _highWater;
    private int _shares;
    private int _starved;

    public BufferBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        _available = limit;
    }

    public long Limit { get; }

    /// <summary>Bytes taken and not yet returned; above <see cref="Limit"/> only by the chunk each share always keeps.</summary>
    public long InUse => Limit - Volatile.Read(ref _available);

    /// <summary>The most bytes in use at any moment so far.</summary>
    public long HighWater => Volatile.Read(ref _highWater);

    /// <summary>A budget that never runs out, for tests and tools that do not bound memory.</summary>
    public static BufferBudget CreateUnlimited() => new(long.MaxValue / 4);

    /// <summary>
    /// Takes bytes a connection holds for as long as it is open (its actors, sockets and receive loops), whether
    /// or not they are left: a connection cannot be half opened, and what it holds leaves less for data.
    /// </summary>
    public void Charge(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Force(bytes);
    }

    /// <summary>Gives back what <see cref="Charge"/> took.</summary>
    public void Refund(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Return(bytes);
    }

    /// <summary>
    /// A share for one direction of one connection; it keeps at least <paramref name="floor"/> bytes. When it gets
    /// less than it asked for, <paramref name="wake"/> is called once bytes come back (from another thread: it
    /// should only tell an actor to ask again).
    /// </summary>
    public BufferShare Join(long floor, Action wake)
    {
        Interlocked.Increment(ref _shares);
        return new BufferShare(this, floor, wake);
    }

    internal long FairShare => Limit / Math.Max(1, Volatile.Read(ref _shares));

    internal int Starved => Volatile.Read(ref _starved);

    internal void Leave() => Interlocked.Decrement(ref _shares);

    internal void SetStarved(bool starved) => Interlocked.Add(ref _starved, starved ? 1 : -1);

    internal long Take(long wanted)
    {
        while (wanted > 0)
        {
            var available = Volatile.Read(ref _available);
            if (available <= 0)
            {
                return 0;
            }

            var taken = Math.Min(wanted, available);
            if (Interlocked.CompareExchange(ref _available, available - taken, available) == available)
            {
                NoteInUse(Limit - available + taken);
                return taken;
            }
        }

        return 0;
    }

    internal void Force(long bytes) => NoteInUse(Limit - Interlocked.Add(ref _available, -bytes));

    internal void Return(long bytes)
    {
        Interlocked.Add(ref _available, bytes);
        while (_waiters.TryDequeue(out var waiter))
        {
            waiter();
        }
    }

    internal void NotifyWhenFreed(Action wake)
    {
        _waiters.Enqueue(wake);

        // A return between the caller's short take and this registration would otherwise wake nobody.
        if (Volatile.Read(ref _available) > 0 && _waiters.TryDequeue(out var waiter))
        {
            waiter();
        }
    }

    private void NoteInUse(long inUse)
    {
        var high = Volatile.Read(ref _highWater);
        while (inUse > high)
        {
            var seen = Interlocked.CompareExchange(ref _highWater, inUse, high);
            if (seen == high)
            {
                return;
            }

            high = seen;
        }
    }
}
