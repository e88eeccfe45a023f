namespace Striper.Tests.TestKit;

/// <summary>A timer of <see cref="ManualTimeProvider"/>; its schedule fields are guarded by the provider's lock.</summary>
internal sealed class ManualTimer : ITimer
{
    private readonly ManualTimeProvider _provider;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private volatile bool _disposed;

    public ManualTimer(ManualTimeProvider provider, TimerCallback callback, object? state)
    {
        _provider = provider;
        _callback = callback;
        _state = state;
    }

    internal DateTimeOffset Due { get; set; }

    internal TimeSpan Period { get; set; }

    internal long Sequence { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        _provider.Schedule(this, dueTime, period);
        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        _provider.Unschedule(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal void Invoke()
    {
        if (!_disposed)
        {
            _callback(_state);
        }
    }
}
