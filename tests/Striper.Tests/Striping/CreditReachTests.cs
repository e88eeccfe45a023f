using Striper.Actors.Striping;

namespace Striper.Tests.Striping;

public sealed class CreditReachTests
{
    private const long Initial = 1024 * 1024;

    [Fact]
    public void Reach_should_double_only_when_credit_holds_the_sender_back()
    {
        var reach = new CreditReach(Initial, 64 * Initial, uncheckedUpTo: Initial);

        Assert.False(reach.OnArrival(Initial, creditBound: false, 0, TimeSpan.Zero));
        Assert.Equal(Initial, reach.Current);

        Assert.True(reach.OnArrival(Initial, creditBound: true, 0, TimeSpan.Zero));
        Assert.Equal(2 * Initial, reach.Current);
    }

    [Fact]
    public void Reach_should_stop_at_its_ceiling()
    {
        var reach = new CreditReach(Initial, 3 * Initial, uncheckedUpTo: Initial);

        Assert.True(reach.OnArrival(Initial, creditBound: true, 0, TimeSpan.Zero));
        Assert.True(reach.OnArrival(2 * Initial, creditBound: true, 0, TimeSpan.Zero));
        Assert.Equal(3 * Initial, reach.Current);
        Assert.False(reach.OnArrival(3 * Initial, creditBound: true, 0, TimeSpan.Zero));
        Assert.Equal(3 * Initial, reach.Current);
    }

    [Fact]
    public void Reach_should_halve_per_review_under_a_quarter_used_and_never_below_where_it_started()
    {
        var reach = new CreditReach(Initial, 64 * Initial, uncheckedUpTo: Initial);
        for (var i = 0; i < 3; i++)
        {
            reach.OnArrival(reach.Current, creditBound: true, 0, TimeSpan.Zero);
        }

        Assert.Equal(8 * Initial, reach.Current);

        // A period that used a quarter or more keeps it.
        reach.OnArrival(2 * Initial, creditBound: false, 0, TimeSpan.Zero);
        Assert.False(reach.Review());
        Assert.Equal(8 * Initial, reach.Current);

        // Quiet periods halve it, down to the start.
        Assert.True(reach.Review());
        Assert.Equal(4 * Initial, reach.Current);
        Assert.True(reach.Review());
        Assert.True(reach.Review());
        Assert.Equal(Initial, reach.Current);
        Assert.False(reach.Review());
        Assert.Equal(Initial, reach.Current);
    }

    [Fact]
    public void Reach_should_stop_doubling_when_a_doubling_brought_no_more_through_until_the_next_review()
    {
        var reach = new CreditReach(Initial, 64 * Initial, uncheckedUpTo: Initial);
        var second = TimeSpan.FromSeconds(1);

        // 10 MB/s at the first doubling; twice that over the loop after it: worth another.
        Assert.True(reach.OnArrival(Initial, true, written: 10_000_000, now: second));
        Assert.True(reach.OnArrival(Initial, true, written: 12_000_000, now: second + TimeSpan.FromMilliseconds(100)));
        Assert.Equal(4 * Initial, reach.Current);

        // The same 20 MB/s after it: the sender is held back by something else; more credit would only queue.
        Assert.False(reach.OnArrival(Initial, true, written: 14_000_000, now: second + TimeSpan.FromMilliseconds(200)));
        Assert.False(reach.OnArrival(Initial, true, written: 20_000_000, now: second + TimeSpan.FromMilliseconds(300)));
        Assert.Equal(4 * Initial, reach.Current);

        // After a review it tries again, judged against the rate before the last doubling.
        reach.OnArrival(4 * Initial, false, 0, second);
        Assert.False(reach.Review());
        Assert.True(reach.OnArrival(Initial, true, written: 40_000_000, now: 2 * second));
    }

    [Fact]
    public void Below_the_unchecked_reach_it_should_double_whenever_credit_holds_the_sender_back_whatever_the_rate()
    {
        // On a lossy long path the rate over one loop swings: here it even falls after each doubling.
        var reach = new CreditReach(Initial, 64 * Initial, uncheckedUpTo: 8 * Initial);
        var now = TimeSpan.FromSeconds(1);
        var written = 10_000_000L;
        for (var expected = 2 * Initial; expected <= 8 * Initial; expected *= 2)
        {
            Assert.True(reach.OnArrival(Initial, true, written, now));
            Assert.Equal(expected, reach.Current);
            now += TimeSpan.FromMilliseconds(150);
            written += 100_000;
        }

        // From there on, a doubling must bring more through again.
        Assert.False(reach.OnArrival(Initial, true, written, now));
        Assert.Equal(8 * Initial, reach.Current);
    }
}
