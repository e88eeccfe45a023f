using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Striper.Actors.Mdp;

/// <summary>A bound socket as the node sees it: the socket, its actor and the hops reached through it, by remote address.</summary>
internal sealed class MdpSocketEntry(Socket socket)
{
    public Socket Socket { get; } = socket;

    public IPEndPoint LocalEndPoint { get; } = (IPEndPoint)socket.LocalEndPoint!;

    public ConcurrentDictionary<SocketAddress, MdpHopLink> Hops { get; } = new();

    public IActorRef Actor { get; set; } = ActorRefs.Nobody;

    /// <summary>Bound for one own-socket flow: its links carry only that flow.</summary>
    public bool Dedicated { get; init; }

    /// <summary>The address to send to <paramref name="peer"/> from this socket, or null if the families do not mix.</summary>
    public SocketAddress? AddressFor(IPEndPoint peer)
    {
        if (peer.AddressFamily == Socket.AddressFamily)
        {
            return peer.Serialize();
        }

        return Socket.AddressFamily == AddressFamily.InterNetworkV6 && Socket.DualMode && peer.AddressFamily == AddressFamily.InterNetwork
            ? new IPEndPoint(peer.Address.MapToIPv6(), peer.Port).Serialize()
            : null;
    }
}
