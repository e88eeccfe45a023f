using System.Collections.Frozen;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Identity;
using Striper.Actors.Mdp.Routing;
using Striper.Actors.Services;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>
/// Routing: the node announces its links and services, floods every other node's newest announcement to its
/// neighbours, computes shortest paths from all of them (<see cref="MdpLinkState"/>), and forwards routed datagrams
/// that are not for it (<see cref="MdpRouter"/>). All of it travels on MDP port 0 between neighbours, as DATA with the
/// usual hop acknowledgement and retransmission, so every hop repairs its own losses (docs/PROTOCOL.md, "Routing").
/// </summary>
internal sealed partial class MdpNode
{
    private const string AnnounceTimer = "announce";
    private const string AnnounceSoonTimer = "announce-soon";
    private static readonly TimeSpan AnnounceSoonDelay = TimeSpan.FromMilliseconds(50);

    private readonly List<MdpService> _services = [];
    private long _startTimestamp;
    private MdpRouter _router = null!;
    private MdpLinkState _linkState = null!;
    private Dictionary<Sid, MdpRoute> _routes = [];
    private Dictionary<Sid, int> _ownMetrics = [];

    // Grows with every announcement and starts from the clock, so a restarted node's announcements are newer.
    private long _sequence = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 10;

    private TimeSpan Now => Context.Clock().GetElapsedTime(_startTimestamp);

    private void ReceiveRoutingMessages()
    {
        Receive<FlowDatagram>(m => m.Flow.LocalPort == MdpEnvelope.RouterPort && m.Flow.Hop is not null, OnRouterDatagram);
        Receive<AnnounceTick>(_ => OnAnnounceTick());
        Receive<AnnounceSoon>(_ => Announce());
        Receive<RegisterService>(OnRegisterService);
        Receive<GetRoutes>(_ => Sender.Tell(new KnownRoutes([.. _routes.Values.OrderBy(r => r.Hops).ThenBy(r => r.Destination.Hex)])));
        Receive<GetServices>(_ => Sender.Tell(new KnownServices(ListServices())));
    }

    private void StartRouting()
    {
        _startTimestamp = Context.Clock().GetTimestamp();
        _router = new MdpRouter(_identity.Sid, _counters);
        _linkState = new MdpLinkState(_identity.Sid, _settings.RouteTimeout);
        if (!_settings.Routing)
        {
            // Port 0 stays unbound: whatever arrives there is dropped and counted as for any unbound port.
            return;
        }

        _bindings[MdpEnvelope.RouterPort] = Self;
        Timers.StartPeriodicTimer(AnnounceTimer, AnnounceTick.Instance, _settings.AnnounceInterval);
    }

    /// <summary>A link on a shared socket came up: the new neighbour gets every announcement we hold, and ours soon.</summary>
    private void OnRoutingLinkUp(MdpHopLink hop)
    {
        if (!_settings.Routing)
        {
            return;
        }

        foreach (var envelope in _linkState.Envelopes)
        {
            hop.Send(MdpEnvelope.RouterPort, MdpEnvelope.RouterPort, envelope);
        }

        AnnounceSoonOnce();
    }

    /// <summary>A link went: routes through it go at once, and the mesh hears of it soon.</summary>
    private void OnRoutingLinkGone()
    {
        if (!_settings.Routing)
        {
            return;
        }

        RecomputeRoutes();
        AnnounceSoonOnce();
    }

    private void AnnounceSoonOnce()
    {
        if (!Timers.IsTimerActive(AnnounceSoonTimer))
        {
            Timers.StartSingleTimer(AnnounceSoonTimer, AnnounceSoon.Instance, AnnounceSoonDelay);
        }
    }

    private void OnAnnounceTick()
    {
        if (_linkState.Expire(Now))
        {
            RecomputeRoutes();
        }

        Announce();
    }

    /// <summary>Signs and sends this node's announcement to every neighbour: its links with their metrics, its services.</summary>
    private void Announce()
    {
        var neighbours = Neighbours().ToList();
        _ownMetrics = neighbours.ToDictionary(n => n.Peer, n => n.RouteMetric());
        var announcement = new MdpAnnouncement(
            _identity.PublicKey, ++_sequence, [.. _ownMetrics.Select(m => new MdpAnnouncedLink(m.Key, m.Value))], [.. _services]);
        var buffer = new byte[MdpAnnouncement.MaxSize];
        var length = announcement.Encode(_identity, buffer);
        foreach (var hop in neighbours)
        {
            hop.Send(MdpEnvelope.RouterPort, MdpEnvelope.RouterPort, buffer.AsSpan(0, length));
        }

        RecomputeRoutes();
    }

    private void OnRouterDatagram(FlowDatagram message)
    {
        var from = message.Flow.Hop!;
        switch (MdpEnvelope.PeekKind(message.Payload.Span))
        {
            case MdpEnvelope.RoutedKind:
                OnRouted(message.Payload);
                break;
            case MdpEnvelope.AnnouncementKind:
                OnAnnouncement(from, message.Payload);
                break;
            default:
                Interlocked.Increment(ref _counters.MalformedDropped);
                break;
        }
    }

    private void OnRouted(ReadOnlyMemory<byte> envelope)
    {
        if (!MdpEnvelope.TryReadRouted(envelope.Span, out var header, out _))
        {
            Interlocked.Increment(ref _counters.HopLimitDropped);
            return;
        }

        if (header.Destination != _identity.Sid)
        {
            // One hop is what this one took: a datagram with none left after it goes no further.
            if (header.HopsLeft <= 1)
            {
                Interlocked.Increment(ref _counters.HopLimitDropped);
                return;
            }

            _router.Forward(envelope.Span, header.Destination);
            return;
        }

        var payload = envelope[MdpEnvelope.RoutedHeaderSize..];
        if (_router.Flows.TryGetValue((header.DestinationPort, header.Source, header.SourcePort), out var receiver))
        {
            Interlocked.Increment(ref _counters.Delivered);
            receiver.Tell(new Msp.MspProtocol.DatagramReceived(payload));
        }
        else if (header.DestinationPort != MdpEnvelope.RouterPort && _bindings.TryGetValue(header.DestinationPort, out var handler))
        {
            Interlocked.Increment(ref _counters.Delivered);
            handler.Tell(new FlowDatagram(new MdpFlow(_router, header.Source, header.DestinationPort, header.SourcePort), payload));
        }
        else
        {
            Interlocked.Increment(ref _counters.NoPortDropped);
        }
    }

    private void OnAnnouncement(MdpHopLink from, ReadOnlyMemory<byte> envelope)
    {
        if (!MdpAnnouncement.TryDecode(envelope.Span, out var announcement, out var forged, out var error))
        {
            if (forged)
            {
                Interlocked.Increment(ref _counters.AnnouncementsForged);
            }
            else
            {
                Interlocked.Increment(ref _counters.AnnouncementsMalformed);
            }

            Log.AnnouncementDropped(Context.Logger(), from.Peer.Abbreviated, error ?? "invalid");
            return;
        }

        var copy = envelope.ToArray();
        if (!_linkState.Offer(announcement!, copy, Now))
        {
            return;
        }

        Interlocked.Increment(ref _counters.AnnouncementsAccepted);
        foreach (var hop in Neighbours())
        {
            if (hop.Peer != from.Peer && hop.Peer != announcement!.Origin)
            {
                hop.Send(MdpEnvelope.RouterPort, MdpEnvelope.RouterPort, copy);
            }
        }

        RecomputeRoutes();
    }

    private void RecomputeRoutes()
    {
        var live = new Dictionary<Sid, int>();
        foreach (var hop in Neighbours())
        {
            live[hop.Peer] = _ownMetrics.GetValueOrDefault(hop.Peer, 10);
        }

        var before = _routes;
        _routes = _linkState.ComputeRoutes(live);
        var nextHops = new Dictionary<Sid, MdpHopLink>();
        foreach (var (destination, route) in _routes)
        {
            if (_bySid.TryGetValue(route.NextHop, out var hops) && SharedHop(hops) is { } hop)
            {
                nextHops[destination] = hop;
            }
        }

        _router.SetNextHops(nextHops.ToFrozenDictionary());
        if (_routes.Count != before.Count || _routes.Any(r => !before.TryGetValue(r.Key, out var old) || old.NextHop != r.Value.NextHop))
        {
            Log.RoutesChanged(Context.Logger(), _routes.Count, _routes.Count(r => r.Value.Hops > 1));
        }

        OpenPendingRouted();
    }

    /// <summary>Opens that waited for a SID which is now reachable through the mesh (not as a neighbour).</summary>
    private void OpenPendingRouted()
    {
        foreach (var (id, pending) in _pending.Where(p => !p.Value.Request.OwnSocket && _router.HasRoute(p.Value.Request.Peer)).ToList())
        {
            _pending.Remove(id);
            Timers.Cancel(("open", id));
            OpenRouted(pending.Request, pending.ReplyTo);
        }
    }

    private void OpenRouted(OpenFlow request, IActorRef replyTo)
    {
        if (NextFreePort(port => _router.Flows.ContainsKey((port, request.Peer, request.RemotePort))) is not { } local)
        {
            replyTo.Tell(new FlowFailed(request.Peer, "every ephemeral MDP port is in use"));
            return;
        }

        var flow = new MdpFlow(_router, request.Peer, local, request.RemotePort);
        flow.Register(request.Receiver);
        replyTo.Tell(new FlowOpened(flow));
    }

    private void OnRegisterService(RegisterService message)
    {
        if (!_settings.Routing)
        {
            Sender.Tell(new ServiceRefused(message.Name, "this node does not take part in the mesh (striper.mdp.routing = off), so it announces nothing"));
            return;
        }

        if (!MdpService.IsValidName(message.Name, out var error))
        {
            Sender.Tell(new ServiceRefused(message.Name, error!));
            return;
        }

        if (message.Port is < 1 or > 65535)
        {
            Sender.Tell(new ServiceRefused(message.Name, $"MDP port {message.Port} is not from 1 to 65535"));
            return;
        }

        _services.RemoveAll(s => s.Name == message.Name);
        if (_services.Count >= MdpAnnouncement.MaxServices)
        {
            Sender.Tell(new ServiceRefused(message.Name, $"a node offers at most {MdpAnnouncement.MaxServices} services"));
            return;
        }

        _services.Add(new MdpService(message.Name, message.Port));
        Sender.Tell(new ServiceRegistered(message.Name, message.Port));
        AnnounceSoonOnce();
    }

    /// <summary>A port that is unbound offers no service any more.</summary>
    private void ForgetServicesOn(int port)
    {
        if (_services.RemoveAll(s => s.Port == port) > 0)
        {
            AnnounceSoonOnce();
        }
    }

    private List<KnownService> ListServices()
    {
        var list = _services.Select(s => new KnownService(s.Name, _identity.Sid, s.Port, 0)).ToList();
        foreach (var (node, service) in _linkState.Services)
        {
            list.Add(new KnownService(service.Name, node, service.Port, _routes.TryGetValue(node, out var route) ? route.Hops : null));
        }

        return [.. list.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Hops ?? int.MaxValue)];
    }

    /// <summary>The links routing uses: one per neighbour, on a shared socket (own-socket flows' links carry only their flow).</summary>
    private IEnumerable<MdpHopLink> Neighbours()
    {
        foreach (var hops in _bySid.Values)
        {
            if (SharedHop(hops) is { } hop)
            {
                yield return hop;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "routes: {Count} nodes reachable, {Beyond} of them beyond the neighbours")]
        public static partial void RoutesChanged(ILogger logger, int count, int beyond);

        [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "route announcement from neighbour {Sid} dropped: {Reason}")]
        public static partial void AnnouncementDropped(ILogger logger, string sid, string reason);
    }
}
