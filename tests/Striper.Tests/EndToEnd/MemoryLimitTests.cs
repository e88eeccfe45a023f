using Striper.Actors.Sessions;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>striper.memory-limit: busy connections share the buffer budget, lose nothing, and give it all back.</summary>
public sealed class MemoryLimitTests
{
    [Fact]
    public async Task Connections_over_a_small_buffer_budget_should_arrive_intact_and_hold_no_more_than_it()
    {
        // 4 MiB for eight connections whose credit windows alone would want 64 MiB each way.
        const int connections = 8;
        const long size = 8L * 1024 * 1024;
        var settings = StriperSettings.Default with
        {
            Stripes = 2,
            MemoryLimit = StriperSettings.RuntimeReserve + (4L << 20),
        };
        // Beyond the limit: the chunk each direction always keeps, what open connections themselves hold, and the
        // receive buffers of each substream leg, charged while held (docs/ARCHITECTURE.md, "Memory"): a partial
        // frame of up to one chunk waiting for the rest, and the buffer being filled.
        var receiveBuffers = settings.SessionSubstreams * (settings.ChunkSize + (long)settings.ReceiveBufferSize);
        var allowance = connections * ((2L * settings.ChunkSize) + ((settings.SessionSubstreams + 1) * SessionActor.TcpLegCost) + receiveBuffers);
        await using var target = new HashingTarget(size, seed: 31);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        var runs = Enumerable.Range(0, connections).Select(async i =>
        {
            using var app = await pair.ConnectAsync();
            return await target.ExchangeAsync(app, size, seed: 500 + i, TimeSpan.FromSeconds(90));
        }).ToArray();
        var sent = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(90));
        await target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(sent.Order(), target.Received.Order());

        foreach (var (name, proxy) in new[] { ("client", pair.Client), ("server", pair.Server) })
        {
            var budget = proxy.Buffers;
            Assert.True(budget.HighWater > budget.Limit / 2, $"{name}: the budget was never under pressure ({budget.HighWater} of {budget.Limit} bytes)");
            Assert.True(budget.HighWater <= budget.Limit + allowance, $"{name}: {budget.HighWater} bytes held, limit {budget.Limit} plus {allowance}");

            // Every connection has ended: whatever they took must be back, or the budget would shrink for good.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (budget.InUse != 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(0, budget.InUse);
        }
    }
}
