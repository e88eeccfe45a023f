using Striper.Actors.Settings;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// A proxy runs for days and carries connection after connection: whatever one tunnelled connection leaves behind
/// once it has ended (actors, leases, sockets, timers) would add up. Runs alone, since it weighs this process's
/// managed heap, which the tests running beside it would move.
/// </summary>
[Collection(FloodGroup.Name)]
public sealed class ConnectionLeakTests(ITestOutputHelper output)
{
    private const long Size = 256 * 1024;
    private const int Connections = 100;

    [Fact]
    public async Task Connections_that_have_ended_should_leave_nothing_on_the_heap()
    {
        await using var target = new HashingTarget(Size, seed: 71);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 4 });

        // The first few dozen connections fill pools and caches (measured: about 40 KB a connection over the first
        // 80, then 4-14 KB, part of it this test's own log capture); only what the next ones add counts. Keeping
        // each ended session's actor object alone measured 35 KB a connection.
        await ExchangeAsync(pair, target, Connections);
        var heap = new List<long> { await SettledHeapAsync(pair) };
        for (var round = 0; round < 2; round++)
        {
            await ExchangeAsync(pair, target, Connections);
            heap.Add(await SettledHeapAsync(pair));
        }

        var live = pair.DescribeLiveActors();
        Assert.DoesNotContain("session", live, StringComparison.Ordinal);

        // A pool growing by a few chunks can show in one round (up to 16 KB a connection was seen); a leak shows in
        // every round, so the smaller of the two must stay low.
        var perConnection = Enumerable.Range(1, 2).Select(i => (heap[i] - heap[i - 1]) / Connections).ToList();
        output.WriteLine($"managed heap {string.Join(" -> ", heap.Select(h => $"{h / 1024} KiB"))}: {string.Join(", ", perConnection)} bytes per connection");
        Assert.True(perConnection.Min() < 20 * 1024, $"each ended connection left {perConnection.Min()} bytes or more on the heap in both rounds ({string.Join(" -> ", heap)})");

        // A real logger factory keeps every logger it made until the process ends: categories must not be per connection.
        foreach (var log in new[] { pair.ClientLog, pair.ServerLog })
        {
            Assert.True(log.Categories.Count < 40, $"{log.Categories.Count} logger categories after {3 * Connections} connections: {string.Join(", ", log.Categories.Take(10))}, ...");
        }
    }

    private static async Task ExchangeAsync(ProxyPair pair, HashingTarget target, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var app = await pair.ConnectAsync();
            string sent;
            try
            {
                sent = await target.ExchangeAsync(app, Size, seed: 72 + i, TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException ex)
            {
                // How the announcement race (see SubstreamAnnouncementTests) first showed: say everything that could explain one.
                throw new Xunit.Sdk.XunitException(
                    $"connection {i}: {ex.Message}\nlive actors:\n{pair.DescribeLiveActors()}\nclient log:\n{string.Join("\n", pair.ClientLog.Entries.TakeLast(15))}\nserver log:\n{string.Join("\n", pair.ServerLog.Entries.TakeLast(15))}");
            }

            await target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Contains(sent, target.Received);
        }
    }

    /// <summary>The heap once both proxies have closed every session, after full compacting collections.</summary>
    private static async Task<long> SettledHeapAsync(ProxyPair pair)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (pair.ClientMetrics.SessionsActive > 0 || pair.ServerMetrics.SessionsActive > 0)
        {
            Assert.True(
                DateTime.UtcNow < deadline,
                $"sessions still open: client {pair.ClientMetrics.SessionsActive}, server {pair.ServerMetrics.SessionsActive}\nlive actors:\n{pair.DescribeLiveActors()}\n" +
                $"{LingeringSessionsLog(pair)}\nclient log:\n{string.Join("\n", pair.ClientLog.Entries.TakeLast(15))}\nserver log:\n{string.Join("\n", pair.ServerLog.Entries.TakeLast(25))}");
            await Task.Delay(20);
        }

        await Task.Delay(200);
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Every log entry, from either proxy, that names a session whose actor is still alive.</summary>
    private static string LingeringSessionsLog(ProxyPair pair)
    {
        var ids = System.Text.RegularExpressions.Regex.Matches(pair.DescribeLiveActors(), "session-([0-9a-f]{32})")
            .Select(m => Guid.ParseExact(m.Groups[1].Value, "N").ToString())
            .Distinct()
            .ToList();
        var entries = pair.ClientLog.Entries.Select(e => $"client {e}").Concat(pair.ServerLog.Entries.Select(e => $"server {e}"))
            .Where(line => ids.Any(id => line.Contains(id, StringComparison.Ordinal)));
        return $"lingering sessions {string.Join(", ", ids)}:\n{string.Join("\n", entries)}";
    }
}
