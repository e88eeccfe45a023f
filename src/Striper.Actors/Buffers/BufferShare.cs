namespace Striper.Actors.Buffers;

/// <summary>
/// One direction of one connection's part of a <see cref="BufferBudget"/>. Used by a single actor, so its own
/// counters need no locks; only the budget it draws on is shared.
/// </summary>
public sealed class BufferShare : IDisposable
{
    private readonly BufferBudget _budget;
    private readonly long _floor;
    private readonly Action _wake;
    private bool _starved;
    private volatile bool _waiting;
    private bool _disposed;

    internal BufferShare(BufferBudget budget, long floor, Action wake)
    {
        _budget = budget;
        _floor = floor;
        _wake = wake;
    }

    /// <summary>
    /// The least a share is always given, however full the budget: its floor (a chunk), or its equal part of the
    /// budget when many shares split it, but never under <see cref="MinimumFloor"/>. A whole chunk for every share
    /// is more than the budget once connections are many: a thousand busy ones held 500 MiB of chunks in each proxy
    /// whatever the limit (1.2 GiB resident with a 160 MiB limit at 50 ms RTT).
    /// </summary>
    public long Floor => Math.Min(_floor, Math.Max(MinimumFloor, _budget.FairShare));

    /// <summary>Below this a share's DATA frames would be too small to be worth their headers and messages.</summary>
    public const long MinimumFloor = 16 * 1024;

    /// <summary>Bytes this share holds now.</summary>
    public long Held { get; private set; }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> more bytes and returns how many it got. It always gets enough to hold
    /// its <see cref="Floor"/>, so its connection keeps moving however full the budget is. When it gets less than it asked for,
    /// the wake-up given to <see cref="BufferBudget.Join"/> is called once bytes come back.
    /// </summary>
    public long Take(long wanted)
    {
        if (wanted <= 0 || _disposed)
        {
            return 0;
        }

        var allowed = wanted;
        var othersStarved = _budget.Starved - (_starved ? 1 : 0);
        if (othersStarved > 0)
        {
            allowed = Math.Clamp(_budget.FairShare - Held, 0, wanted);
        }

        var taken = _budget.Take(allowed);
        var belowFloor = Math.Min(Floor, Held + wanted) - (Held + taken);
        if (belowFloor > 0)
        {
            _budget.Force(belowFloor);
            taken += belowFloor;
        }

        Held += taken;
        SetStarved(taken < wanted);
        if (_starved && !_waiting)
        {
            _waiting = true;
            _budget.NotifyWhenFreed(() =>
            {
                _waiting = false;
                _wake();
            });
        }

        return taken;
    }

    /// <summary>
    /// Takes bytes that are already in use whatever the budget has left: data that arrived within credit granted
    /// earlier whose bytes were handed back while the connection was quiet (see <c>CreditReach</c>).
    /// </summary>
    public void Force(long bytes)
    {
        if (bytes <= 0 || _disposed)
        {
            return;
        }

        _budget.Force(bytes);
        Held += bytes;
    }

    /// <summary>Gives back bytes that have left (written, or delivered by the far side).</summary>
    public void Return(long bytes)
    {
        bytes = Math.Min(bytes, Held);
        if (bytes <= 0 || _disposed)
        {
            return;
        }

        Held -= bytes;
        _budget.Return(bytes);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Return(Held);
        SetStarved(false);
        _disposed = true;
        _budget.Leave();
    }

    private void SetStarved(bool starved)
    {
        if (starved != _starved)
        {
            _starved = starved;
            _budget.SetStarved(starved);
        }
    }
}
