using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// <c>--stripes auto</c> between real proxies, behind a relay that caps each substream (a per-flow throttle): the
/// connection grows while more substreams deliver more, and every byte still arrives intact. (Closing the ones that
/// add nothing needs a path whose capacity all substreams share, which only the lab's HTB gives exactly:
/// Lab/AutoStripesLabTests.)
/// </summary>
public sealed class AutoStripesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly StriperSettings Auto = StriperSettings.Default with { Stripes = null, MaxStripes = 8 };

    [Fact]
    public async Task Under_a_per_substream_cap_an_auto_sized_connection_should_grow_to_its_maximum()
    {
        const long size = 40L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 101);
        ChaosRelay? relay = null;
        await using var pair = ProxyPair.Start(target.EndPoint, Auto, interpose: server => (relay = new ChaosRelay(server, rateOf: _ => 1_500_000)).EndPoint);
        await using var _ = relay!;
        using var app = await pair.ConnectAsync();

        await target.AssertSingleExchangeAsync(app, size, seed: 102, Timeout);

        await pair.ClientLog.WaitForAsync("keeping 8");
        for (var index = 0; index < 8; index++)
        {
            Assert.True(pair.ClientMetrics.SubstreamBytesSent(index) > 0, $"substream {index} carried nothing");
        }
    }
}
