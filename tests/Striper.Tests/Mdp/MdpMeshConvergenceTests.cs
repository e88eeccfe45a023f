using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Mdp;

/// <summary>
/// How long the mesh takes to know itself, with the default settings: five nodes in a ring on loopback, each told
/// one neighbour's address. Measured, printed, and bounded: a ring whose routes take longer than this has a bug.
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
        var settings = MdpSettings.Default;
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
            await WaitForRouteAsync(a, c, r => r.Hops == 2, TimeSpan.FromSeconds(10));
            await WaitForRouteAsync(a, nodes[3].Sid, r => r.Hops == 2, TimeSpan.FromSeconds(10));
            var converged = clock.Elapsed;

            // b leaves without a word (its socket closes): a and c notice after link-timeout, then a routes to c via e and d.
            clock.Restart();
            await nodes[1].DisposeAsync();
            await WaitForRouteAsync(a, c, r => r.Hops == 3 && r.NextHop == nodes[4].Sid, settings.LinkTimeout + TimeSpan.FromSeconds(5));
            var healed = clock.Elapsed;

            _output.WriteLine($"5-node ring: every route known {converged.TotalSeconds:0.00} s after start; rerouted {healed.TotalSeconds:0.00} s after a node left (link-timeout {settings.LinkTimeout.TotalSeconds:0} s)");
            Assert.True(converged < TimeSpan.FromSeconds(5), $"routes took {converged.TotalSeconds:0.0} s");
            Assert.True(healed < settings.LinkTimeout + TimeSpan.FromSeconds(3), $"rerouting took {healed.TotalSeconds:0.0} s");
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
