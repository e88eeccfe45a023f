using Striper.Actors.Striping;

namespace Striper.Tests.Striping;

public sealed class CreditReachTests
{
    private const long Initial = 1024 * 1024;

    [Fact]
    public void Reach_should_double_only_when_the_sender_uses_more_than_half_of_it()
    {
        var reach = new CreditReach(Initial, 64 * Initial);

        Assert.False(reach.OnArrival(Initial / 2));
        Assert.Equal(Initial, reach.Current);

        Assert.True(reach.OnArrival((Initial / 2) + 1));
        Assert.Equal(2 * Initial, reach.Current);
    }

    [Fact]
    public void Reach_should_stop_at_its_ceiling()
    {
        var reach = new CreditReach(Initial, 3 * Initial);

        Assert.True(reach.OnArrival(Initial));
        Assert.True(reach.OnArrival(2 * Initial));
        Assert.Equal(3 * Initial, reach.Current);
        Assert.False(reach.OnArrival(3 * Initial));
        Assert.Equal(3 * Initial, reach.Current);
    }

    [Fact]
    public void Reach_should_halve_per_review_under_a_quarter_used_and_never_below_where_it_started()
    {
        var reach = new CreditReach(Initial, 64 * Initial);
        for (var i = 0; i < 3; i++)
        {
            reach.OnArrival(reach.Current);
        }

        Assert.Equal(8 * Initial, reach.Current);

        // A period that used a quarter or more keeps it.
        reach.OnArrival(2 * Initial);
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
}
