using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Proxy;

namespace Striper.Tests.Proxy;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void Entries_beyond_the_burst_should_be_counted_until_the_window_turns()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogRateLimiter(burst: 3, TimeSpan.FromSeconds(1), time);

        var first = Enumerable.Range(0, 8).Select(_ => limiter.TryEnter()).ToList();
        time.Advance(TimeSpan.FromMilliseconds(999));
        var stillHeld = limiter.TryEnter();
        time.Advance(TimeSpan.FromMilliseconds(1));
        var nextWindow = limiter.TryEnter();

        Assert.Equal([true, true, true, false, false, false, false, false], first);
        Assert.False(stillHeld);
        Assert.True(nextWindow);
        Assert.Equal(6, limiter.TakeSuppressed());
        Assert.Equal(0, limiter.Suppressed);
    }
}
