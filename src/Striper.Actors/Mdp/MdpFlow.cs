using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Msp;

namespace Striper.Actors.Mdp;

/// <summary>
/// One conversation between a local port and a (SID, port) over one hop: the <see cref="IDatagramLink"/> an
/// <see cref="MspEndpoint"/> sends on. Datagrams from the remote port reach whatever <see cref="Register"/> names.
/// A flow opened with its own socket travels on its own UDP source port, which is what lets several MSP streams to
/// the same neighbour pass a per-flow throttle as separate flows.
/// </summary>
internal sealed class MdpFlow : IDatagramLink
{
    public MdpFlow(MdpHopLink hop, int localPort, int remotePort)
    {
        Hop = hop;
        LocalPort = localPort;
        RemotePort = remotePort;
    }

    public MdpHopLink Hop { get; }

    public Sid Peer => Hop.Peer;

    public int LocalPort { get; }

    public int RemotePort { get; }

    public void Send(ReadOnlyMemory<byte> datagram) => Hop.Send(LocalPort, RemotePort, datagram.Span);

    public IDisposable? BeginBurst() => MdpSendBatch.Begin();

    /// <summary>From now on the flow's datagrams go to <paramref name="receiver"/> as <see cref="MspProtocol.DatagramReceived"/>.</summary>
    public void Register(IActorRef receiver) => Hop.Flows[MdpHopLink.FlowKey(LocalPort, RemotePort)] = receiver;

    /// <summary>Stops delivering to the receiver. To also close an own-socket flow's socket, tell the node <see cref="MdpProtocol.CloseFlow"/>.</summary>
    public void Unregister() => Hop.Flows.TryRemove(MdpHopLink.FlowKey(LocalPort, RemotePort), out _);

    public override string ToString() => $"{LocalPort} -> {Peer.Abbreviated}:{RemotePort}";
}
