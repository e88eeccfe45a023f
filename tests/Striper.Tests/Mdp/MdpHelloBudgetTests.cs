using Striper.Actors.Mdp;
using Striper.Tests.TestKit;

namespace Striper.Tests.Mdp;

/// <summary>The hello budget: a second's worth at once, then the rate; never more than a second's worth saved up.</summary>
public sealed class MdpHelloBudgetTests
{
    [Fact]
    public void Budget_should_pass_a_seconds_worth_at_once_then_only_the_rate()
    {
        var clock = new ManualTimeProvider();
        var budget = new MdpHelloBudget(100, clock);

        Assert.Equal(100, Take(budget, 1000));

        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(25, Take(budget, 1000));

        // A long quiet spell saves up one second's worth, no more.
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(100, Take(budget, 1000));
    }

    private static int Take(MdpHelloBudget budget, int tries)
    {
        var taken = 0;
        for (var i = 0; i < tries; i++)
        {
            if (budget.TryTake())
            {
                taken++;
            }
        }

        return taken;
    }
}
