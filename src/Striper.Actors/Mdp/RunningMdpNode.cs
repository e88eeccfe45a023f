using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Proxy;

namespace Striper.Actors.Mdp;

/// <summary>
/// A started MDP node: its sockets are bound before anything else starts, so "address in use" is a startup error
/// (exit 1) naming the address, not a failure inside an actor. Disposing stops the node, its hops and sockets.
/// </summary>
internal sealed class RunningMdpNode : IAsyncDisposable
{
    private readonly ActorSystem _system;

    private RunningMdpNode(ActorSystem system, IActorRef node, NodeIdentity identity, IReadOnlyList<IPEndPoint> localEndPoints, MdpSettings settings)
    {
        _system = system;
        Node = node;
        Identity = identity;
        LocalEndPoints = localEndPoints;
        Settings = settings;
    }

    public IActorRef Node { get; }

    public NodeIdentity Identity { get; }

    public Sid Sid => Identity.Sid;

    public MdpSettings Settings { get; }

    /// <summary>The bound addresses, with the ports the kernel chose for port 0.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints { get; }

    public static RunningMdpNode Start(ActorSystem system, NodeIdentity identity, MdpSettings settings, IReadOnlyList<IPEndPoint> binds, IReadOnlyList<IPEndPoint> peers, string name = "mdp")
    {
        var entries = new List<MdpSocketEntry>();
        try
        {
            foreach (var bind in binds)
            {
                try
                {
                    entries.Add(new MdpSocketEntry(MdpSocket.Bind(bind, settings.SocketBufferSize)));
                }
                catch (SocketException ex)
                {
                    throw new ProxyStartException($"cannot bind UDP {bind}: {ex.Message}", ex);
                }
            }
        }
        catch
        {
            foreach (var entry in entries)
            {
                entry.Socket.Dispose();
            }

            throw;
        }

        var node = system.ActorOf(MdpNode.Props(identity, settings, new MdpCounters(), entries, peers), name);
        return new RunningMdpNode(system, node, identity, [.. entries.Select(e => e.LocalEndPoint)], settings);
    }

    public Task<MdpStats> GetStatsAsync() => Node.Ask<MdpStats>(MdpProtocol.GetStats.Instance, TimeSpan.FromSeconds(5));

    /// <summary>This node's services and those the mesh announces, nearest first within a name.</summary>
    public async Task<IReadOnlyList<MdpProtocol.KnownService>> GetServicesAsync() =>
        (await Node.Ask<MdpProtocol.KnownServices>(MdpProtocol.GetServices.Instance, TimeSpan.FromSeconds(5))).Services;

    /// <summary>Announces a named service on an MDP port; the reason when the node refuses it.</summary>
    public async Task<string?> RegisterServiceAsync(string name, int port) =>
        await Node.Ask<object>(new MdpProtocol.RegisterService(name, port), TimeSpan.FromSeconds(5)) is MdpProtocol.ServiceRefused refused ? refused.Reason : null;

    public ValueTask DisposeAsync()
    {
        _system.Stop(Node);
        return ValueTask.CompletedTask;
    }
}
