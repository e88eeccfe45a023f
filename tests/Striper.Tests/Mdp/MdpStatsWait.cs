using Striper.Actors.Mdp;

namespace Striper.Tests.Mdp;

/// <summary>Waits, bounded, for a node's counters to reach a condition; fails with the last figures it saw.</summary>
internal static class MdpStatsWait
{
    public static Task<MdpStats> WaitForStatsAsync(this RunningMdpNode node, Func<MdpStats, bool> condition) =>
        node.WaitForStatsAsync(condition, TimeSpan.FromSeconds(5));

    public static async Task<MdpStats> WaitForStatsAsync(this RunningMdpNode node, Func<MdpStats, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var stats = await node.GetStatsAsync();
        while (!condition(stats))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {within.TotalSeconds:0.#} s: {stats}");
            await Task.Delay(10);
            stats = await node.GetStatsAsync();
        }

        return stats;
    }
}
