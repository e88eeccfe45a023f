using Striper.Actors.Metrics;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>What the status view shows is what the proxies really did: the open connection, its substreams, its bytes.</summary>
public sealed class StatusTests
{
    [Fact]
    public async Task Status_should_show_the_open_connection_with_its_substreams_and_count_every_byte()
    {
        const long size = 8L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 81);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 4 });
        using var app = await pair.ConnectAsync();

        // Before any byte moves, the session is open on both sides with every substream up.
        var open = await WaitForAsync(() => pair.ClientMetrics.Connections.SingleOrDefault() is { } c && c.Substreams.All(s => s.State == SubstreamState.Up) ? c : null);
        var status = new StatusSampler(new ProxyDescription("client", pair.ClientEndPoint.ToString(), pair.Server.LocalEndPoint.ToString()), pair.ClientMetrics, pair.Client.Buffers).Sample();
        var connection = Assert.Single(status.Connections);
        Assert.Equal(open.Id, connection.Id);
        Assert.Equal(app.LocalEndPoint!.ToString(), connection.Peer);
        Assert.Equal(pair.Server.LocalEndPoint.ToString(), connection.Target);
        Assert.Equal([0, 1, 2, 3], connection.Substreams.Select(s => s.Index));
        Assert.All(connection.Substreams, s => Assert.Equal(("tcp", "up"), (s.Transport, s.State)));
        var server = await WaitForAsync(() => pair.ServerMetrics.Connections.SingleOrDefault());
        Assert.Equal(open.Id, server.Id);
        Assert.Equal(target.EndPoint.ToString(), server.Target);

        await target.AssertSingleExchangeAsync(app, size, seed: 82, TimeSpan.FromSeconds(60));
        await WaitForAsync(() => pair.ClientMetrics.SessionsActive == 0 && pair.ServerMetrics.SessionsActive == 0 ? "closed" : null);

        // Each proxy counted exactly what its edge read and wrote; the substreams carried all of it (and any resends).
        Assert.Equal((size, size), (pair.ClientMetrics.BytesOut, pair.ClientMetrics.BytesIn));
        Assert.Equal((size, size), (pair.ServerMetrics.BytesOut, pair.ServerMetrics.BytesIn));
        Assert.Equal((size, size), (open.BytesOut, open.BytesIn));
        Assert.Equal(open.Substreams.Sum(s => s.BytesSent), Enumerable.Range(0, 4).Sum(pair.ClientMetrics.SubstreamBytesSent));
        Assert.Equal(size + open.ResentBytes, open.Substreams.Sum(s => s.BytesSent));
        Assert.Empty(pair.ClientMetrics.Connections);
        Assert.Empty(pair.ServerMetrics.Connections);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the proxies never reached the state the test waits for");
            await Task.Delay(20);
        }
    }
}
