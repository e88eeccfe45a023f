using System.Net;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;

namespace Striper.Tests.Mdp;

/// <summary>Two MDP nodes on loopback UDP in one actor system; B knows A's address and says hello first.</summary>
internal sealed class NodePair : IAsyncDisposable
{
    private NodePair(RunningMdpNode a, RunningMdpNode b)
    {
        A = a;
        B = b;
    }

    public RunningMdpNode A { get; }

    public RunningMdpNode B { get; }

    /// <summary>Starts node A and node B (which says hello to A); B uses <paramref name="settingsB"/> when given, else A's settings.</summary>
    public static async Task<NodePair> StartAsync(ActorSystem system, MdpSettings? settings = null, IPAddress? address = null, MdpSettings? settingsB = null)
    {
        settings ??= MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100) };
        address ??= IPAddress.Loopback;
        var a = RunningMdpNode.Start(system, NodeIdentity.Generate(), settings, [new IPEndPoint(address, 0)], [], "mdp-a");
        var b = RunningMdpNode.Start(system, NodeIdentity.Generate(), settingsB ?? settings, [new IPEndPoint(address, 0)], [a.LocalEndPoints[0]], "mdp-b");
        var pair = new NodePair(a, b);
        await pair.WaitForNeighboursAsync();
        return pair;
    }

    /// <summary>Node A on the IPv6 wildcard (dual stack, so it also takes IPv4); node B on IPv4 loopback, greeting A there.</summary>
    public static async Task<NodePair> StartDualStackAsync(ActorSystem system, MdpSettings settings)
    {
        var a = RunningMdpNode.Start(system, NodeIdentity.Generate(), settings, [new IPEndPoint(IPAddress.IPv6Any, 0)], [], "mdp-a");
        var port = a.LocalEndPoints[0].Port;
        var b = RunningMdpNode.Start(system, NodeIdentity.Generate(), settings, [new IPEndPoint(IPAddress.Loopback, 0)], [new IPEndPoint(IPAddress.Loopback, port)], "mdp-b");
        var pair = new NodePair(a, b);
        await pair.WaitForNeighboursAsync();
        return pair;
    }

    public async Task WaitForNeighboursAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var na = await A.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3));
            var nb = await B.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3));
            if (na.Sids.Contains(B.Sid) && nb.Sids.Contains(A.Sid))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the nodes never became neighbours (A sees {na.Sids.Count}, B sees {nb.Sids.Count})");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        A.Identity.Dispose();
        B.Identity.Dispose();
    }
}
