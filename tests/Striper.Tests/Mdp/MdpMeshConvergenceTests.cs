using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Mdp;

/// <summary>
/// How long the mesh takes to know itself: five nodes in a ring on loopback, each told one neighbour's address, with
/// the default settings except that the periodic announcement comes only every minute (and routes last for
/// longer). Announcements triggered by a link coming up or going are then the only way the routes can be learnt and
/// healed within the deadlines below, on a loaded machine too; the times are printed, not asserted (a loaded run
/// once took 5.1 s to start five nodes and converge, against 0.27 s on a quiet one).
/// </summary>
public sealed class MdpMeshConvergenceTests : StriperTestKit
{
    private readonly ITestOutputHelper _output;

    public MdpMeshConvergenceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task A_ring_should_learn_every_route_within_seconds_and_route_around_a_node_that_left_within_the_link_timeout()
    {
        var settings = MdpSettings.Default with { AnnounceInterval = TimeSpan.FromSeconds(60), RouteTimeout = TimeSpan.FromSeconds(150) };
        var clock = Stopwatch.StartNew();
        var nodes = new List<RunningMdpNode>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var peers = i == 0 ? Array.Empty<IPEndPoint>() : [nodes[i - 1].LocalEndPoints[0]];
                nodes.Add(RunningMdpNode.Start(Sys, NodeIdentity.Generate(), settings with { HelloInterval = TimeSpan.FromMilliseconds(100) }, [new IPEndPoint(IPAddress.Loopback, 0)], peers, $"ring-{i}"));
            }

            // Close the ring: the first node greets the last.
            nodes[0].Node.Tell(new MdpProtocol.AddPeer(nodes[4].LocalEndPoints[0]));
            var a = nodes[0];
            var c = nodes[2].Sid;
            await WaitForRouteAsync(a, c, r => r.Hops == 2, TimeSpan.FromSeconds(20));
            await WaitForRouteAsync(a, nodes[3].Sid, r => r.Hops == 2, TimeSpan.FromSeconds(20));
            var converged = clock.Elapsed;

            // b leaves without a word (its socket closes): a and c notice after link-timeout, then a routes to c via e and d.
            clock.Restart();
            await nodes[1].DisposeAsync();
            await WaitForRouteAsync(a, c, r => r.Hops == 3 && r.NextHop == nodes[4].Sid, settings.LinkTimeout + TimeSpan.FromSeconds(20));
            var healed = clock.Elapsed;

            _output.WriteLine($"5-node ring: every route known {converged.TotalSeconds:0.00} s after start; rerouted {healed.TotalSeconds:0.00} s after a node left (link-timeout {settings.LinkTimeout.TotalSeconds:0} s)");
            Assert.True(healed >= settings.LinkTimeout - TimeSpan.FromSeconds(1), $"rerouted after {healed.TotalSeconds:0.0} s, before a's link to b could have timed out");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task WaitForRouteAsync(RunningMdpNode node, Sid to, Func<Striper.Actors.Mdp.Routing.MdpRoute, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var routes = await node.Node.Ask<MdpProtocol.KnownRoutes>(MdpProtocol.GetRoutes.Instance, TimeSpan.FromSeconds(3));
            if (routes.Routes.Any(r => r.Destination == to && condition(r)))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no such route to {to.Abbreviated} within {within.TotalSeconds:0} s: {string.Join(", ", routes.Routes)}");
            await Task.Delay(20);
        }
    }
}
