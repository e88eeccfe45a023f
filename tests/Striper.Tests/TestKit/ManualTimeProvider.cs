namespace Striper.Tests.TestKit;

/// <summary>
/// A clock that moves only when told. <see cref="Advance"/> fires every timer that falls due, in due-time
/// order, synchronously on the calling thread, with the clock set to each timer's due time while its
/// callback runs; so tests of timers, timeouts and time windows never sleep and never race.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _scheduled = [];
    private readonly DateTimeOffset _epoch;
    private DateTimeOffset _now;
    private long _sequence;

    public ManualTimeProvider()
        : this(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public ManualTimeProvider(DateTimeOffset start)
    {
        _epoch = start;
        _now = start;
    }

    /// <summary>Setting it moves the clock forward like <see cref="Advance"/>; it cannot go back.</summary>
    public DateTimeOffset UtcNow
    {
        get => GetUtcNow();
        set
        {
            TimeSpan delta;
            lock (_lock)
            {
                delta = value - _now;
            }

            Advance(delta);
        }
    }

    /// <summary>Timers that are started and not yet disposed or finished; shows whether anything leaked.</summary>
    public int ActiveTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _scheduled.Count;
            }
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    // Timestamps are ticks since the provider was created, so they move exactly with the clock.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return (_now - _epoch).Ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + delta;
        }

        FireDueTimers(target);
    }

    internal void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime));
        }

        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period));
        }

        DateTimeOffset now;
        lock (_lock)
        {
            _scheduled.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }

            now = _now;
            timer.Due = now + dueTime;
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Sequence = ++_sequence;
            _scheduled.Add(timer);
        }

        // Like a real timer, a zero due time fires right away rather than on the next Advance.
        if (dueTime == TimeSpan.Zero)
        {
            FireDueTimers(now);
        }
    }

    internal void Unschedule(ManualTimer timer)
    {
        lock (_lock)
        {
            _scheduled.Remove(timer);
        }
    }

    private void FireDueTimers(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _scheduled)
                {
                    if (timer.Due <= target && (next is null || timer.Due < next.Due || (timer.Due == next.Due && timer.Sequence < next.Sequence)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                if (next.Due > _now)
                {
                    _now = next.Due;
                }

                if (next.Period > TimeSpan.Zero)
                {
                    next.Due += next.Period;
                    next.Sequence = ++_sequence;
                }
                else
                {
                    _scheduled.Remove(next);
                }
            }

            // Outside the lock: callbacks may create, change or dispose timers.
            next.Invoke();
        }
    }
}
