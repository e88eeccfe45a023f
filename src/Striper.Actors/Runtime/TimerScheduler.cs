namespace Striper.Actors.Runtime;

/// <summary>
/// The actor's timers. Only the owning actor calls it (from its handlers and the cell's lifecycle code),
/// so a plain dictionary is enough; the clock's threads only ever Tell a <see cref="TimerMessage"/>.
/// </summary>
internal sealed class TimerScheduler : ITimerScheduler
{
    private readonly Dictionary<object, TimerMessage> _timers = [];
    private readonly IActorRef _self;
    private readonly TimeProvider _time;

    public TimerScheduler(IActorRef self, TimeProvider time)
    {
        _self = self;
        _time = time;
    }

    public int Count => _timers.Count;

    public void StartSingleTimer(object key, object message, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Start(key, message, delay, Timeout.InfiniteTimeSpan, isSingle: true);
    }

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        StartPeriodicTimer(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Start(key, message, initialDelay, interval, isSingle: false);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>A tick reached the front of the mailbox: true when it belongs to the live timer for its key.</summary>
    public bool Accept(TimerMessage tick)
    {
        if (!_timers.TryGetValue(tick.Key, out var current) || !ReferenceEquals(current, tick))
        {
            return false;
        }

        if (tick.IsSingle)
        {
            _timers.Remove(tick.Key);
            tick.Dispose();
        }

        return true;
    }

    private void Start(object key, object message, TimeSpan dueTime, TimeSpan period, bool isSingle)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var timer = new TimerMessage(key, message, isSingle, _self);
        // Registered before starting: a zero delay may fire before CreateTimer even returns.
        _timers[key] = timer;
        timer.Start(_time, dueTime, period);
    }
}
