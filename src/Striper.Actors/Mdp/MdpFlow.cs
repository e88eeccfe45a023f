using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp.Routing;
using Striper.Actors.Msp;

namespace Striper.Actors.Mdp;

/// <summary>
/// One conversation between a local port and a (SID, port): the <see cref="IDatagramLink"/> an
/// <see cref="MspEndpoint"/> sends on. Datagrams from the remote port reach whatever <see cref="Register"/> names.
/// A direct flow travels on one hop to a neighbour; a flow opened with its own socket travels on its own UDP source
/// port, which is what lets several MSP streams to the same neighbour pass a per-flow throttle as separate flows. A
/// routed flow reaches a node further away: each datagram goes to whichever neighbour the routes name at that moment,
/// so the flow follows the mesh when it heals around a node that left.
/// </summary>
internal sealed class MdpFlow : IDatagramLink
{
    private readonly MdpRouter? _router;

    public MdpFlow(MdpHopLink hop, int localPort, int remotePort)
    {
        Hop = hop;
        Peer = hop.Peer;
        LocalPort = localPort;
        RemotePort = remotePort;
    }

    /// <summary>A flow to a node that is not a neighbour, over whatever path the router knows.</summary>
    public MdpFlow(MdpRouter router, Sid peer, int localPort, int remotePort)
    {
        _router = router;
        Peer = peer;
        LocalPort = localPort;
        RemotePort = remotePort;
    }

    /// <summary>The link a direct flow travels on; null for a routed flow.</summary>
    public MdpHopLink? Hop { get; }

    public Sid Peer { get; }

    public int LocalPort { get; }

    public int RemotePort { get; }

    public bool IsRouted => _router is not null;

    public void Send(ReadOnlyMemory<byte> datagram)
    {
        if (_router is not null)
        {
            _router.Send(Peer, LocalPort, RemotePort, datagram.Span);
        }
        else
        {
            Hop!.Send(LocalPort, RemotePort, datagram.Span);
        }
    }

    public IDisposable? BeginBurst() => _router is null ? MdpSendBatch.Begin() : null;

    /// <summary>From now on the flow's datagrams go to <paramref name="receiver"/> as <see cref="MspProtocol.DatagramReceived"/>.</summary>
    public void Register(IActorRef receiver)
    {
        if (_router is not null)
        {
            _router.Flows[(LocalPort, Peer, RemotePort)] = receiver;
        }
        else
        {
            Hop!.Flows[MdpHopLink.FlowKey(LocalPort, RemotePort)] = receiver;
        }
    }

    /// <summary>Stops delivering to the receiver. To also close an own-socket flow's socket, tell the node <see cref="MdpProtocol.CloseFlow"/>.</summary>
    public void Unregister()
    {
        if (_router is not null)
        {
            _router.Flows.TryRemove((LocalPort, Peer, RemotePort), out _);
        }
        else
        {
            Hop!.Flows.TryRemove(MdpHopLink.FlowKey(LocalPort, RemotePort), out _);
        }
    }

    public override string ToString() => $"{LocalPort} -> {Peer.Abbreviated}:{RemotePort}{(IsRouted ? " (routed)" : "")}";
}
