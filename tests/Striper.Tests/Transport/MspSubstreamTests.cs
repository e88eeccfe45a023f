using System.Net.Sockets;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.Transport;

/// <summary>
/// Substreams over MSP (each on its own UDP flow) and mixed with TCP: a tunnelled connection arrives intact both ways,
/// sealed or not; a wrong secret is refused over MSP with its reason; the server only takes MSP when told to.
/// </summary>
public sealed class MspSubstreamTests
{
    private const long Size = 16L * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly StriperSettings Base = StriperSettings.Default with { Stripes = 4, HandshakeTimeout = TimeSpan.FromSeconds(3), ConnectTimeout = TimeSpan.FromSeconds(3) };

    [Theory]
    [InlineData(SubstreamTransports.Msp)]
    [InlineData(SubstreamTransports.Both)]
    public async Task Transfer_over_msp_substreams_should_arrive_intact_both_ways(SubstreamTransports transport)
    {
        var settings = Base with { Transport = transport };
        await using var target = new HashingTarget(Size, seed: 11);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        // The most MDP links the client had during the transfer: its node's own, plus one per MSP substream's flow.
        var mostLinks = 0;
        using var done = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                mostLinks = Math.Max(mostLinks, (await pair.Client.Mdp!.GetStatsAsync()).Hops);
                await Task.Delay(5);
            }
        });

        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, Size, seed: 12, Timeout);
        await done.CancelAsync();
        await watching;

        var mspSubstreams = transport == SubstreamTransports.Msp ? 4 : 2;
        Assert.True(mostLinks >= 1 + mspSubstreams, $"{mostLinks} MDP links at most, expected the node's own and {mspSubstreams} MSP substream flows");
        if (transport == SubstreamTransports.Msp)
        {
            // In a mix the scheduler may leave the MSP substreams idle on loopback (TCP is faster there); alone they carry it all.
            Assert.All(Enumerable.Range(0, 4), index => Assert.True(pair.ClientMetrics.SubstreamBytesSent(index) > 0, $"substream {index} carried data"));
        }
    }

    [Fact]
    public async Task A_finished_session_should_close_its_msp_substreams_own_udp_sockets()
    {
        // A short linger: a closed stream's port (and with it the flow) goes soon after the close.
        var settings = Base with { Transport = SubstreamTransports.Msp, Msp = Base.Msp with { Linger = TimeSpan.FromMilliseconds(100) } };
        await using var target = new HashingTarget(1024 * 1024, seed: 19);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        using (var app = await pair.ConnectAsync())
        {
            await target.AssertSingleExchangeAsync(app, 1024 * 1024, seed: 20, Timeout);
        }

        // One link stays: the node's own socket to the server. The four flows' sockets and links (one each) are gone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int hops;
        while ((hops = (await pair.Client.Mdp!.GetStatsAsync()).Hops) > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, hops);
    }

    [Fact]
    public async Task Sequential_connections_should_not_run_out_of_server_links_because_closed_substreams_say_bye()
    {
        // Room for one connection's links at a time (its 4 substreams and the client node's own link, plus slack).
        // Closed substreams used to keep their links on the server until its link timeout, so the second connection
        // here found no room; now each closing substream says bye and the server frees its link a second later.
        var settings = Base with
        {
            Transport = SubstreamTransports.Msp,
            Msp = Base.Msp with { Linger = TimeSpan.FromMilliseconds(100) },
            Mdp = Base.Mdp with { MaxLinks = 6 },
        };
        await using var target = new HashingTarget(256 * 1024, seed: 21);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        for (var i = 0; i < 4; i++)
        {
            using (var app = await pair.ConnectAsync())
            {
                var sent = await target.ExchangeAsync(app, 256 * 1024, seed: 22 + i, Timeout);
                await target.WhenHandlersDoneAsync().WaitAsync(Timeout);
                Assert.Contains(sent, target.Received);
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((await pair.Server.Mdp!.GetStatsAsync()).Hops > 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        var stats = await pair.Server.Mdp!.GetStatsAsync();
        Assert.Equal(0, stats.LinksRefused);
        Assert.True(stats.LinksClosedByPeer >= 12, $"{stats.LinksClosedByPeer} links closed by a bye");
    }

    [Fact]
    public async Task Transfer_over_encrypted_msp_substreams_should_arrive_intact()
    {
        var settings = Base with { Transport = SubstreamTransports.Msp, Secret = SharedSecret.CreateRandom(), Encrypt = true };
        await using var target = new HashingTarget(4L * 1024 * 1024, seed: 13);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, 4L * 1024 * 1024, seed: 14, Timeout);
    }

    [Fact]
    public async Task Wrong_secret_over_msp_should_be_refused_with_its_reason()
    {
        var settings = Base with { Transport = SubstreamTransports.Msp };
        await using var target = new HashingTarget(1024, seed: 15);
        await using var pair = ProxyPair.Start(
            target.EndPoint, settings with { Secret = SharedSecret.CreateRandom() }, clientSettings: settings with { Secret = SharedSecret.CreateRandom() });

        using var app = await pair.ConnectAsync();
        Assert.Equal(0, await ReadToEndAsync(app));
        await pair.ClientLog.WaitForAsync("server refused the session: bad secret");
        await pair.ServerLog.WaitForAsync("bad secret: the client's proof does not match");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task A_server_without_msp_should_not_answer_msp_substreams()
    {
        await using var target = new HashingTarget(1024, seed: 16);
        await using var pair = ProxyPair.Start(
            target.EndPoint, Base, clientSettings: Base with { Transport = SubstreamTransports.Msp, ConnectTimeout = TimeSpan.FromMilliseconds(500) });

        using var app = await pair.ConnectAsync();
        Assert.Equal(0, await ReadToEndAsync(app));
        await pair.ClientLog.WaitForAsync("(is the server proxy running with --transport msp or tcp,msp?)");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task A_dead_msp_substream_should_be_replaced_and_the_transfer_arrive_intact()
    {
        var settings = Base with { Transport = SubstreamTransports.Msp, StallTimeout = TimeSpan.FromMilliseconds(500) };
        await using var target = new HashingTarget(Size, seed: 17);
        UdpFlowRelay? relay = null;
        await using var pair = ProxyPair.Start(target.EndPoint, settings, interpose: server => (relay = new UdpFlowRelay(server)).EndPoint);
        await using var _ = relay!;
        using var app = await pair.ConnectAsync();
        var fromTarget = TestData.ReceiveAsync(app);

        // Once data flows, the busiest substream's UDP flow goes silent both ways: the session must move its data and
        // dial a replacement. The application holds back its last block (and so its end) until the replacement is
        // there: a session whose data has all arrived needs no replacement, and the test would race its own end.
        var flowsBefore = -1;
        var sent = 0L;
        byte[] last = [];
        foreach (var block in TestData.Stream(Size, seed: 18))
        {
            sent += block.Length;
            if (sent == Size)
            {
                last = block.ToArray();
                break;
            }

            await app.SendAsync(block);
            if (flowsBefore < 0 && Enumerable.Range(0, Base.SessionSubstreams).Sum(pair.ClientMetrics.SubstreamBytesSent) >= 1024 * 1024)
            {
                flowsBefore = relay!.FlowCount;
                relay.BlackholeBusiestFlow();
            }
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (relay!.FlowCount <= flowsBefore && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await app.SendAsync(last);
        app.Shutdown(SocketShutdown.Send);

        Assert.True(flowsBefore >= 0, "the transfer never reached the point where a flow is cut");
        Assert.True(relay.FlowCount > flowsBefore, $"a new UDP flow replaced the dead one ({relay.FlowCount} flows, {flowsBefore} before)");
        await pair.ClientLog.WaitForAsync("lost (");
        Assert.True(pair.ClientMetrics.Redials > 0, "the replacement was not counted as a redial");
        var (hash, bytes) = await fromTarget.WaitAsync(Timeout);
        Assert.Equal((Size, Convert.ToHexString(TestData.Sha256(Size, seed: 17))), (bytes, Convert.ToHexString(hash)));
        await target.WhenHandlersDoneAsync().WaitAsync(Timeout);
        Assert.Equal([Convert.ToHexString(TestData.Sha256(Size, seed: 18))], target.Received);
    }

    /// <summary>Bytes until the proxy closes the connection (a reset counts as closed).</summary>
    private static async Task<long> ReadToEndAsync(Socket app)
    {
        var buffer = new byte[4096];
        long total = 0;
        try
        {
            int read;
            while ((read = await app.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Timeout)) > 0)
            {
                total += read;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }

        return total;
    }
}
