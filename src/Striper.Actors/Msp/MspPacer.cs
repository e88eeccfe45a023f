namespace Striper.Actors.Msp;

/// <summary>
/// Token bucket that spreads a window's packets over the RTT instead of sending them back to back. Tokens accrue at
/// the pacing rate up to a burst of max(configured burst, 2 ms of sending): timers fire at millisecond granularity,
/// so a smaller bucket could not reach rates above burst per millisecond.
/// </summary>
internal sealed class MspPacer
{
    private const double MaxTimerBurstSeconds = 0.002;
    private static readonly TimeSpan MinDelay = TimeSpan.FromTicks(1000);
    private readonly int _burst;
    private double _tokens;
    private long _last;
    private bool _started;

    public MspPacer(int burst)
    {
        _burst = Math.Max(1, burst);
        _tokens = _burst;
    }

    public bool TryTake(double rate, long now, TimeProvider clock)
    {
        if (double.IsPositiveInfinity(rate))
        {
            return true;
        }

        Refill(rate, now, clock);
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    /// <summary>How long until a token is available at <paramref name="rate"/>.</summary>
    public TimeSpan DelayForNext(double rate)
    {
        if (double.IsPositiveInfinity(rate) || _tokens >= 1)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromSeconds((1 - _tokens) / rate);
        return delay < MinDelay ? MinDelay : delay;
    }

    private void Refill(double rate, long now, TimeProvider clock)
    {
        if (!_started)
        {
            _started = true;
            _last = now;
            return;
        }

        var elapsed = clock.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        var cap = Math.Max(_burst, rate * MaxTimerBurstSeconds);
        _tokens = Math.Min(cap, _tokens + (elapsed * rate));
    }
}
