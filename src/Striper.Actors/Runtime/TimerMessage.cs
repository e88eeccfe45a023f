namespace Striper.Actors.Runtime;

/// <summary>
/// One started timer, and also the envelope its ticks travel in. Every start creates a new instance, so
/// "is this tick still wanted?" is an identity check against the scheduler's current entry for the key:
/// a cancelled or replaced timer's ticks can sit in the mailbox and still be dropped on arrival.
/// </summary>
internal sealed class TimerMessage
{
    private readonly IActorRef _self;
    private ITimer? _timer;

    public TimerMessage(object key, object message, bool isSingle, IActorRef self)
    {
        Key = key;
        Message = message;
        IsSingle = isSingle;
        _self = self;
    }

    public object Key { get; }

    public object Message { get; }

    public bool IsSingle { get; }

    public void Start(TimeProvider time, TimeSpan dueTime, TimeSpan period)
    {
        _timer = NonFlowingTimer.Create(time, static state => ((TimerMessage)state!).Fire(), this, dueTime, period);
    }

    public void Dispose() => _timer?.Dispose();

    // Runs on the clock's thread: only enqueue, never touch actor state.
    private void Fire() => _self.Tell(this, _self);
}
