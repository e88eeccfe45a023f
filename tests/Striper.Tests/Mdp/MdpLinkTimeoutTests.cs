using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Proxy;
using Striper.Tests.Msp;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Mdp;

/// <summary>
/// Real UDP on loopback with short timers: a link whose neighbour is gone is removed after the link timeout (and a
/// living, idle one is not), streams over it end with the reason, and the neighbour that comes back meets again.
/// </summary>
public sealed class MdpLinkTimeoutTests : StriperTestKit
{
    private static readonly TimeSpan LinkTimeout = TimeSpan.FromMilliseconds(400);

    private static readonly MdpSettings Mdp = MdpSettings.Default with
    {
        HelloInterval = TimeSpan.FromMilliseconds(50),
        HelloKeepalive = TimeSpan.FromMilliseconds(100),
        LinkTimeout = LinkTimeout,
    };

    // The stream's own idle timeout is far away, so only the link's removal can end it within the test.
    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30), IdleTimeout = TimeSpan.FromSeconds(60), KeepaliveInterval = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task A_link_whose_neighbour_stopped_should_expire_and_the_neighbour_back_should_meet_again_and_carry_a_stream()
    {
        using var identityB = NodeIdentity.Generate();
        await using var a = RunningMdpNode.Start(Sys, NodeIdentity.Generate(), Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [], "mdp-a");
        var b = RunningMdpNode.Start(Sys, identityB, Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [a.LocalEndPoints[0]], "mdp-b");
        var addressB = b.LocalEndPoints[0];
        await WaitForNeighbourAsync(a, b.Sid);

        // Idle but alive for several link timeouts: the keepalives keep the link.
        await Task.Delay(LinkTimeout * 3);
        var idle = await a.GetStatsAsync();
        Assert.Equal(0, idle.LinksExpired);
        Assert.Equal(1, idle.Hops);

        await b.DisposeAsync();
        var stopped = Stopwatch.StartNew();
        var expired = await a.WaitForStatsAsync(s => s.LinksExpired == 1);
        stopped.Stop();
        Assert.Equal(0, expired.Hops);
        Assert.Empty((await a.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3))).Sids);

        // Not before the neighbour was last heard plus the timeout (less a keepalive round of slack), nor long after.
        Assert.True(stopped.Elapsed >= LinkTimeout - Mdp.HelloKeepalive - Mdp.HelloInterval, $"expired after {stopped.ElapsedMilliseconds} ms");
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(3), $"expired after {stopped.ElapsedMilliseconds} ms");

        // The same node (identity and address) back: a fresh link, and a stream over it carries data intact.
        var back = await StartAgainAsync(identityB, addressB, a.LocalEndPoints[0]);
        await using (back)
        {
            await WaitForNeighbourAsync(a, identityB.Sid);
            var reports = await MdpTransfer.RunAsync(this, a, back, messages: 2000, Msp);

            PeerReport.AssertExchanged(reports, closedCleanly: true);
            var after = await a.GetStatsAsync();
            Assert.Equal(1, after.LinksExpired);
            Assert.Equal(1, after.Hops);
        }
    }

    [Fact]
    public async Task A_stream_over_a_link_that_expires_should_end_with_an_error_naming_the_link()
    {
        await using var a = RunningMdpNode.Start(Sys, NodeIdentity.Generate(), Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [], "mdp-a");
        await using var b = RunningMdpNode.Start(Sys, NodeIdentity.Generate(), Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [a.LocalEndPoints[0]], "mdp-b");
        await WaitForNeighbourAsync(b, a.Sid);

        // A accepts the stream (the probe is its owner); B's owner stays silent, waiting for A's data.
        var accepted = CreateTestProbe();
        var spawner = ActorOf(EndpointSpawner.Props(accepted, Msp));
        await a.Node.Ask<MdpProtocol.Bound>(new MdpProtocol.Bind(MdpTransfer.Port, spawner), TimeSpan.FromSeconds(3));
        var opened = await b.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(a.Sid, MdpTransfer.Port, ActorRefs.Nobody), TimeSpan.FromSeconds(3));
        var reports = CreateTestProbe();
        var owner = ActorOf(TransferPeer.Props("B", reports, 10, sendSeed: 2, expectSeed: 1, maxSize: Msp.MaxMessageSize, sendAfterRemoteShutdown: true));
        var endpoint = ActorOf(MspEndpoint.Props(opened.Flow, ActorRefs.Nobody, Msp));
        opened.Flow.Register(endpoint);
        endpoint.Tell(new Connect(owner), owner);
        accepted.ExpectMsg<Accepted>(TimeSpan.FromSeconds(3));

        await a.DisposeAsync();
        var report = reports.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(3));

        Assert.Equal(MspState.Closed | MspState.Error, report.FinalState);
        Assert.Contains("link-timeout", report.Reason, StringComparison.Ordinal);
        Assert.Contains(a.Sid.Abbreviated, report.Reason, StringComparison.Ordinal);
        Assert.Equal(1, (await b.GetStatsAsync()).LinksExpired);

        // A stream opened on the endpoint after its link is gone ends at once too, with the same reason.
        var late = ActorOf(TransferPeer.Props("B", reports, 10, sendSeed: 2, expectSeed: 1, maxSize: Msp.MaxMessageSize, sendAfterRemoteShutdown: true));
        endpoint.Tell(new Connect(late), late);
        Assert.Contains("link-timeout", reports.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(3)).Reason, StringComparison.Ordinal);
    }

    private async Task<RunningMdpNode> StartAgainAsync(NodeIdentity identity, IPEndPoint address, IPEndPoint peer)
    {
        // The stopped node's socket closes as its actor stops: retry until the address is free again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                return RunningMdpNode.Start(Sys, identity, Mdp, [address], [peer], "mdp-b-again");
            }
            catch (ProxyStartException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    private static async Task WaitForNeighbourAsync(RunningMdpNode node, Sid neighbour)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!(await node.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3))).Sids.Contains(neighbour))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{neighbour.Abbreviated} never became a neighbour");
            await Task.Delay(10);
        }
    }
}
