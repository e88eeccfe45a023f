using System.Net;
using Akka.Actor;
using Striper.Actors.Identity;

namespace Striper.Actors.Mdp;

/// <summary>Messages of the MDP node, its hops and its sockets.</summary>
internal static class MdpProtocol
{
    /// <summary>Anyone → node: deliver datagrams for <paramref name="Port"/> that belong to no open flow to the handler as <see cref="FlowDatagram"/>.</summary>
    public sealed record Bind(int Port, IActorRef Handler);

    public sealed record Bound(int Port);

    public sealed record BindFailed(int Port, string Reason);

    public sealed record Unbind(int Port);

    /// <summary>
    /// Anyone → node: open a flow to (<paramref name="Peer"/>, <paramref name="RemotePort"/>) from a fresh local port; its
    /// datagrams go to <paramref name="Receiver"/> as <see cref="Msp.MspProtocol.DatagramReceived"/>. The node answers
    /// <see cref="FlowOpened"/> once it has a link to the peer, or <see cref="FlowFailed"/> after the connect timeout.
    /// With <paramref name="OwnSocket"/> the flow gets a UDP socket of its own (its own source port, its own link to the
    /// neighbour), so to a per-flow throttle it is a flow apart from every other: what a striped leg over MSP needs.
    /// </summary>
    public sealed record OpenFlow(Sid Peer, int RemotePort, IActorRef Receiver, bool OwnSocket = false);

    public sealed record FlowOpened(MdpFlow Flow);

    /// <summary>
    /// Anyone → node: the flow is finished. Its datagrams stop; an own-socket flow's socket and link are closed too, so a
    /// client that opens a flow per substream (and per re-dial) does not keep a UDP socket for each one ever opened.
    /// </summary>
    public sealed record CloseFlow(MdpFlow Flow);

    public sealed record FlowFailed(Sid Peer, string Reason);

    /// <summary>Node or hop → port handler: a datagram from a flow nobody has registered yet (a new remote caller).</summary>
    public sealed record FlowDatagram(MdpFlow Flow, ReadOnlyMemory<byte> Payload)
    {
        public override string ToString() => $"FlowDatagram({Flow}, {Payload.Length} bytes)";
    }

    /// <summary>Anyone → node: say hello to this address (repeated until a neighbour answers there).</summary>
    public sealed record AddPeer(IPEndPoint EndPoint);

    /// <summary>Anyone → node: reply with <see cref="MdpStats"/>.</summary>
    public sealed class GetStats
    {
        public static GetStats Instance { get; } = new();

        private GetStats()
        {
        }
    }

    /// <summary>Anyone → node: reply with <see cref="Neighbours"/>.</summary>
    public sealed class GetNeighbours
    {
        public static GetNeighbours Instance { get; } = new();

        private GetNeighbours()
        {
        }
    }

    public sealed record Neighbours(IReadOnlyList<Sid> Sids);

    /// <summary>Anyone → node: announce a named service on an MDP port to the mesh. Answered with <see cref="ServiceRegistered"/> or <see cref="ServiceRefused"/>.</summary>
    public sealed record RegisterService(string Name, int Port);

    public sealed record ServiceRegistered(string Name, int Port);

    public sealed record ServiceRefused(string Name, string Reason);

    /// <summary>Anyone → node: reply with <see cref="KnownServices"/>, this node's and those the mesh announces.</summary>
    public sealed class GetServices
    {
        public static GetServices Instance { get; } = new();

        private GetServices()
        {
        }
    }

    /// <param name="Hops">0 for this node's own, null for one whose node no route reaches (yet).</param>
    public sealed record KnownService(string Name, Sid Node, int Port, int? Hops);

    public sealed record KnownServices(IReadOnlyList<KnownService> Services);

    /// <summary>Anyone → node: reply with <see cref="KnownRoutes"/>.</summary>
    public sealed class GetRoutes
    {
        public static GetRoutes Instance { get; } = new();

        private GetRoutes()
        {
        }
    }

    public sealed record KnownRoutes(IReadOnlyList<Routing.MdpRoute> Routes);

    internal sealed class AnnounceTick
    {
        public static AnnounceTick Instance { get; } = new();

        private AnnounceTick()
        {
        }
    }

    internal sealed class AnnounceSoon
    {
        public static AnnounceSoon Instance { get; } = new();

        private AnnounceSoon()
        {
        }
    }

    internal sealed class HelloTick
    {
        public static HelloTick Instance { get; } = new();

        private HelloTick()
        {
        }
    }

    internal sealed record OpenTimeout(long Id);

    /// <summary>The grace after a neighbour's bye is over: its link goes now.</summary>
    internal sealed record ByeGraceOver(MdpHopLink Hop);

    /// <summary>Send path → hop: the send window was empty and now holds a datagram; start the retransmission timer.</summary>
    internal sealed class Kick
    {
        public static Kick Instance { get; } = new();

        private Kick()
        {
        }
    }

    internal sealed class RetransmitTick
    {
        public static RetransmitTick Instance { get; } = new();

        private RetransmitTick()
        {
        }
    }

    internal sealed class AckTick
    {
        public static AckTick Instance { get; } = new();

        private AckTick()
        {
        }
    }
}
