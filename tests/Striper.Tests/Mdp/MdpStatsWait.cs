using Striper.Actors.Mdp;

namespace Striper.Tests.Mdp;

/// <summary>Waits, bounded, for a node's counters to reach a condition; fails with the last figures it saw.</summary>
internal static class MdpStatsWait
{
    public static async Task<MdpStats> WaitForStatsAsync(this RunningMdpNode node, Func<MdpStats, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var stats = await node.GetStatsAsync();
        while (!condition(stats))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within 5 s: {stats}");
            await Task.Delay(10);
            stats = await node.GetStatsAsync();
        }

        return stats;
    }
}
