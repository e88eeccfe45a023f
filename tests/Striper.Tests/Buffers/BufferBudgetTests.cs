using Striper.Actors.Buffers;

namespace Striper.Tests.Buffers;

public sealed class BufferBudgetTests
{
    private static readonly Action Ignore = () => { };

    [Fact]
    public void A_share_should_get_what_is_left_and_no_more_than_its_floor_beyond_the_limit()
    {
        var budget = new BufferBudget(1000);
        using var first = budget.Join(floor: 100, Ignore);
        using var second = budget.Join(floor: 100, Ignore);

        Assert.Equal(800, first.Take(800));
        Assert.Equal(200, second.Take(500));

        // Spent: a share holding less than its floor is topped up to it regardless, and no further.
        using var third = budget.Join(floor: 100, Ignore);
        Assert.Equal(100, third.Take(500));
        Assert.Equal(1100, budget.InUse);
        Assert.Equal(1100, budget.HighWater);
    }

    [Fact]
    public void With_many_shares_each_floor_should_shrink_to_an_equal_part_of_the_budget_but_not_below_the_minimum()
    {
        // A thousand connections' shares of 1 MiB: a chunk (256 KiB) each would be 250 MiB beyond the limit.
        const long Chunk = 256 * 1024;
        var budget = new BufferBudget(64L << 20);
        using var few = budget.Join(floor: Chunk, Ignore);
        Assert.Equal(Chunk, few.Floor);

        var shares = Enumerable.Range(0, 999).Select(_ => budget.Join(floor: Chunk, Ignore)).ToList();
        try
        {
            Assert.Equal((64L << 20) / 1000, few.Floor);
            Assert.Equal(64L << 20, few.Take(64L << 20));
            foreach (var share in shares)
            {
                Assert.Equal(few.Floor, share.Take(Chunk));
            }

            Assert.True(budget.InUse <= 2 * (64L << 20), $"{budget.InUse} bytes in use");
        }
        finally
        {
            shares.ForEach(share => share.Dispose());
        }

        var tiny = new BufferBudget(1L << 20);
        var crowd = Enumerable.Range(0, 1000).Select(_ => tiny.Join(floor: Chunk, Ignore)).ToList();
        Assert.Equal(BufferShare.MinimumFloor, crowd[0].Floor);
        crowd.ForEach(share => share.Dispose());
    }

    [Fact]
    public void Returned_bytes_should_wake_a_share_that_got_less_than_it_asked_for_once()
    {
        var budget = new BufferBudget(1000);
        var wakes = 0;
        using var busy = budget.Join(floor: 0, Ignore);
        using var waiting = budget.Join(floor: 0, () => Interlocked.Increment(ref wakes));

        busy.Take(1000);
        Assert.Equal(0, waiting.Take(300));
        Assert.Equal(0, wakes);

        busy.Return(100);
        busy.Return(100);
        Assert.Equal(1, wakes);
        Assert.Equal(200, waiting.Take(300));
    }

    [Fact]
    public void A_busy_share_should_take_no_more_than_an_equal_part_while_another_is_short()
    {
        var budget = new BufferBudget(1000);
        using var busy = budget.Join(floor: 0, Ignore);
        using var newcomer = budget.Join(floor: 0, Ignore);

        Assert.Equal(1000, busy.Take(1000));
        Assert.Equal(0, newcomer.Take(400));

        // The busy share's bytes come back as it writes, but it may not take them all again: half is its part.
        busy.Return(600);
        Assert.Equal(100, busy.Take(600));
        Assert.Equal(400, newcomer.Take(400));

        // Nobody is short any more: the busy share may have the rest.
        Assert.Equal(100, busy.Take(600));
    }

    [Fact]
    public void Disposing_a_share_should_give_back_everything_it_held()
    {
        var budget = new BufferBudget(1000);
        var share = budget.Join(floor: 300, Ignore);
        share.Take(50);
        share.Take(700);
        Assert.Equal(750, budget.InUse);

        share.Dispose();
        share.Dispose();

        Assert.Equal(0, budget.InUse);
        Assert.Equal(750, budget.HighWater);
    }

    [Fact]
    public async Task Concurrent_shares_should_never_hold_more_than_the_limit_plus_their_floors()
    {
        var budget = new BufferBudget(64 * 1024);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            using var share = budget.Join(floor: 1024, Ignore);
            for (var i = 0; i < 20_000; i++)
            {
                share.Take(8 * 1024);
                share.Return(share.Held / 2);
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(budget.HighWater, 1, (64 * 1024) + (4 * 1024));
        Assert.Equal(0, budget.InUse);
    }
}
