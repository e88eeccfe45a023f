using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using Akka.Actor;
using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>
/// The send side of routing, shared by the node (which computes the routes and forwards) and the MSP streams on
/// routed flows (which send from their own threads, as on a direct flow): the current next hop for every SID the
/// mesh reaches, swapped whole when routes change, and the receivers of routed flows at this node.
/// </summary>
internal sealed class MdpRouter
{
    private readonly MdpCounters _counters;
    private FrozenDictionary<Sid, MdpHopLink> _nextHops = FrozenDictionary<Sid, MdpHopLink>.Empty;

    public MdpRouter(Sid self, MdpCounters counters)
    {
        Self = self;
        _counters = counters;
    }

    public Sid Self { get; }

    /// <summary>Receivers of routed flows here, by (local port, remote SID, remote port).</summary>
    public ConcurrentDictionary<(int LocalPort, Sid Peer, int RemotePort), IActorRef> Flows { get; } = new();

    public void SetNextHops(FrozenDictionary<Sid, MdpHopLink> nextHops) => Volatile.Write(ref _nextHops, nextHops);

    public bool HasRoute(Sid destination) => Volatile.Read(ref _nextHops).ContainsKey(destination);

    /// <summary>Sends an MSP packet from a local port to a port of a node some hops away; drops it (counted) without a route.</summary>
    public void Send(Sid destination, int sourcePort, int destinationPort, ReadOnlySpan<byte> payload)
    {
        if (!Volatile.Read(ref _nextHops).TryGetValue(destination, out var hop))
        {
            Interlocked.Increment(ref _counters.NoRouteDropped);
            return;
        }

        var length = MdpEnvelope.RoutedHeaderSize + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var header = new MdpRoutedHeader(MdpEnvelope.MaxHops, Self, sourcePort, destination, destinationPort);
            MdpEnvelope.WriteRouted(buffer, header, payload);
            hop.Send(MdpEnvelope.RouterPort, MdpEnvelope.RouterPort, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Passes a routed datagram for another node on towards it, one hop less to live; false without a route.</summary>
    public bool Forward(ReadOnlySpan<byte> envelope, Sid destination)
    {
        if (!Volatile.Read(ref _nextHops).TryGetValue(destination, out var hop))
        {
            Interlocked.Increment(ref _counters.NoRouteDropped);
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(envelope.Length);
        try
        {
            envelope.CopyTo(buffer);
            MdpEnvelope.TakeHop(buffer);
            hop.Send(MdpEnvelope.RouterPort, MdpEnvelope.RouterPort, buffer.AsSpan(0, envelope.Length));
            Interlocked.Increment(ref _counters.Forwarded);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
