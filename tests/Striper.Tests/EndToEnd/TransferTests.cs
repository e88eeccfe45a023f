using System.Net;
using System.Net.Sockets;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>Bytes in equal bytes out, both directions at once, through a real proxy pair on loopback.</summary>
public sealed class TransferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public async Task Proxy_pair_should_carry_64MiB_each_way_at_once_intact(int stripes)
    {
        const long size = 64L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 2);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = stripes });
        using var app = await pair.ConnectAsync();

        await target.AssertSingleExchangeAsync(app, size, seed: 1, TimeSpan.FromSeconds(90));

        for (var i = 0; i < stripes; i++)
        {
            Assert.True(pair.ClientMetrics.SubstreamBytesSent(i) > 0, $"substream {i} carried nothing upstream");
            Assert.True(pair.ServerMetrics.SubstreamBytesSent(i) > 0, $"substream {i} carried nothing downstream");
        }
    }

    [Fact]
    public async Task Proxy_pair_should_work_over_IPv6_loopback()
    {
        Assert.True(Socket.OSSupportsIPv6, "this machine has no IPv6; the proxy must still be tested on it");
        const long size = 4L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 5, IPAddress.IPv6Loopback);
        await using var pair = ProxyPair.Start(target.EndPoint, bindAddress: IPAddress.IPv6Loopback);
        using var app = await pair.ConnectAsync();

        await target.AssertSingleExchangeAsync(app, size, seed: 4, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Proxy_pair_should_carry_100_concurrent_connections_intact()
    {
        const int connections = 100;
        const long size = 512 * 1024;
        await using var target = new HashingTarget(size, seed: 77);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 4 });

        var runs = Enumerable.Range(0, connections).Select(async i =>
        {
            using var app = await pair.ConnectAsync();
            return await target.ExchangeAsync(app, size, seed: 1000 + i, TimeSpan.FromSeconds(120));
        }).ToArray();
        var sent = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(120));
        await target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(connections, target.Accepted);
        Assert.Equal(sent.Order(), target.Received.Order());
    }
}
