namespace Striper.Tests.TestKit;

public sealed class ManualTimeProviderTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Advance_should_fire_due_timers_in_due_time_order_with_the_clock_at_each_due_time()
    {
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow() - start)), null, 3 * Second, Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow() - start)), null, Second, Timeout.InfiniteTimeSpan);
        using var never = clock.CreateTimer(_ => fired.Add(("never", clock.GetUtcNow() - start)), null, 10 * Second, Timeout.InfiniteTimeSpan);

        clock.Advance(5 * Second);

        Assert.Equal([("early", Second), ("late", 3 * Second)], fired);
        Assert.Equal(start + 5 * Second, clock.GetUtcNow());
        Assert.Equal(1, clock.ActiveTimerCount);
    }

    [Fact]
    public void Periodic_timer_should_fire_once_per_period_passed()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, Second, 2 * Second);

        clock.Advance(Second);
        Assert.Equal(1, count);
        clock.Advance(6 * Second);
        Assert.Equal(4, count);
    }

    [Fact]
    public void Change_and_Dispose_should_reschedule_and_stop_a_timer()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, Second, Timeout.InfiniteTimeSpan);

        Assert.True(timer.Change(5 * Second, Timeout.InfiniteTimeSpan));
        clock.Advance(4 * Second);
        Assert.Equal(0, count);
        clock.Advance(Second);
        Assert.Equal(1, count);

        timer.Change(Second, Second);
        timer.Dispose();
        clock.Advance(10 * Second);
        Assert.Equal(1, count);
        Assert.False(timer.Change(Second, Second));
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void Zero_due_time_should_fire_at_once()
    {
        var clock = new ManualTimeProvider();
        var count = 0;

        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, count);
    }

    [Fact]
    public void Timestamps_should_move_exactly_with_the_clock()
    {
        var clock = new ManualTimeProvider();
        var before = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), clock.GetElapsedTime(before));
    }

    [Fact]
    public void Setting_UtcNow_should_advance_the_clock_and_refuse_to_go_back()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, Second, Timeout.InfiniteTimeSpan);

        clock.UtcNow = clock.UtcNow + 2 * Second;

        Assert.Equal(1, count);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.UtcNow = clock.UtcNow - Second);
    }

    [Fact]
    public void Task_Delay_on_the_clock_should_complete_only_when_advanced()
    {
        var clock = new ManualTimeProvider();

        var delay = Task.Delay(5 * Second, clock);

        Assert.False(delay.IsCompleted);
        clock.Advance(5 * Second);
        Assert.True(delay.IsCompletedSuccessfully);
    }
}
