using System.Net;
using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Mdp;

namespace Striper.Tests.Mdp;

/// <summary>
/// The hello budget: each address's bucket passes a second of its share at once, then only its rate; one flooding
/// address leaves the other buckets open; the total never exceeds the configured rate.
/// </summary>
public sealed class MdpHelloBudgetTests
{
    [Fact]
    public void One_address_should_get_a_seconds_worth_of_its_share_then_only_the_rate()
    {
        var clock = new FakeTimeProvider();
        var budget = new MdpHelloBudget(160, clock);
        var flooder = Address(1000);
        Assert.Equal(MdpHelloBudget.MaxShards, budget.Shards);
        Assert.Equal(10, budget.Share);

        Assert.Equal(10, Take(budget, flooder, 1000));

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, Take(budget, flooder, 1000));

        // A long quiet spell saves up one second of the share, no more (whichever bucket the new salt picks).
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(10, Take(budget, flooder, 1000));
    }

    [Fact]
    public void A_flooding_address_should_leave_other_addresses_their_buckets_and_the_total_bounded()
    {
        var clock = new FakeTimeProvider();
        var budget = new MdpHelloBudget(160, clock);
        var flooder = Address(1000);
        Assert.Equal(10, Take(budget, flooder, 10_000));

        var newcomer = Enumerable.Range(2000, 100).Select(Address).First(a => budget.ShardOf(a) != budget.ShardOf(flooder));
        Assert.True(budget.TryTake(newcomer));

        // Many addresses (a spoofed flood) together get no more than the configured rate.
        var total = Enumerable.Range(3000, 5000).Select(Address).Count(budget.TryTake);
        Assert.True(total <= 160 - 10 - 1, $"{total} hellos passed");
    }

    [Fact]
    public void A_small_rate_should_use_one_bucket_that_still_passes_a_hello()
    {
        var budget = new MdpHelloBudget(1, new FakeTimeProvider());

        Assert.Equal(1, budget.Shards);
        Assert.Equal(1, Take(budget, Address(1), 10));
    }

    private static SocketAddress Address(int port) => new IPEndPoint(IPAddress.Loopback, port).Serialize();

    private static int Take(MdpHelloBudget budget, SocketAddress sender, int tries)
    {
        var taken = 0;
        for (var i = 0; i < tries; i++)
        {
            if (budget.TryTake(sender))
            {
                taken++;
            }
        }

        return taken;
    }
}
