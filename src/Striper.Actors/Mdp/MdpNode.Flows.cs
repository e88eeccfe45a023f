using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>Flows: opening one to a (SID, port) over a link (or over a socket of its own), and closing it.</summary>
internal sealed partial class MdpNode
{
    private void OnOpenFlow(OpenFlow request, IActorRef replyTo)
    {
        if (request.Peer == _identity.Sid)
        {
            replyTo.Tell(new FlowFailed(request.Peer, "that SID is this node's own; connect to a neighbour's SID"));
            return;
        }

        var pending = new PendingOpen(request, replyTo);
        if (!request.OwnSocket && !_bySid.ContainsKey(request.Peer) && _router.HasRoute(request.Peer))
        {
            OpenRouted(request, replyTo);
            return;
        }

        if (_bySid.TryGetValue(request.Peer, out var hops) && SharedHop(hops) is { } shared)
        {
            if (!request.OwnSocket)
            {
                OpenOn(shared, request, replyTo);
                return;
            }

            if (!StartOwnSocket(pending, shared))
            {
                return;
            }
        }

        var id = _nextPendingId++;
        _pending[id] = pending;
        Timers.StartSingleTimer(("open", id), new OpenTimeout(id), _settings.ConnectTimeout);
    }

    private void OnCloseFlow(CloseFlow message)
    {
        var flow = message.Flow;
        flow.Unregister();
        if (flow.Hop is not { } link)
        {
            return;
        }

        var entry = _sockets.FirstOrDefault(s => s.Dedicated && ReferenceEquals(s.Socket, link.Socket));
        if (entry is null || !link.Flows.IsEmpty)
        {
            return;
        }

        foreach (var hop in entry.Hops.Values.ToList())
        {
            // Without it the neighbour would keep its end (and its place under max-links) until its link timeout.
            hop.SendBye(_incarnation);
            RemoveHop(entry, hop);
        }

        _sockets.Remove(entry);
        Context.Stop(entry.Actor);
    }

    /// <summary>A link on one of the node's bound sockets, not one made for an own-socket flow.</summary>
    private MdpHopLink? SharedHop(List<MdpHopLink> hops) =>
        hops.FirstOrDefault(h => !_sockets.Any(s => s.Dedicated && ReferenceEquals(s.Socket, h.Socket)));

    /// <summary>
    /// Binds a new UDP socket beside the one <paramref name="via"/> uses and probes the same neighbour address from it;
    /// the neighbour's signed hello on the new socket makes a link of its own, which completes the open.
    /// </summary>
    private bool StartOwnSocket(PendingOpen pending, MdpHopLink via)
    {
        var local = (IPEndPoint)via.Socket.LocalEndPoint!;
        Socket socket;
        try
        {
            socket = MdpSocket.Bind(new IPEndPoint(local.Address, 0), _settings.SocketBufferSize);
        }
        catch (SocketException ex)
        {
            pending.ReplyTo.Tell(new FlowFailed(pending.Request.Peer, $"cannot bind a UDP socket for the flow: {ex.Message}"));
            return false;
        }

        var entry = new MdpSocketEntry(socket) { Dedicated = true };
        // Names never repeat: closed flows leave _sockets, so its count would name a socket twice.
        entry.Actor = Context.ActorOf(MdpSocket.Props(socket, entry.Hops, Self, _counters, _bindings, _settings), $"udp-{_sockets.Count}-{++_ownSockets}");
        _sockets.Add(entry);
        pending.Socket = entry;
        pending.Remote = via.Remote;
        SendProbe(entry, via.Remote);
        return true;
    }

    private void SendProbe(MdpSocketEntry entry, SocketAddress to)
    {
        MdpPacket.WriteHelloBody(_scratch, replyWanted: true, _incarnation, 0, _identity.PublicKey, probe: true);
        _scratch.AsSpan(MdpPacket.HelloBodySize).Clear();
        SendRaw(entry.Socket, to, _scratch);
    }

    private void OnOpenTimeout(OpenTimeout message)
    {
        if (_pending.Remove(message.Id, out var pending))
        {
            pending.ReplyTo.Tell(new FlowFailed(
                pending.Request.Peer,
                pending.Request.OwnSocket
                    ? $"no neighbour with SID {pending.Request.Peer} answered within {_settings.ConnectTimeout.TotalSeconds:0.#} s (a flow with its own socket needs a neighbour: give its UDP address with --peer HOST:PORT)"
                    : $"no neighbour with SID {pending.Request.Peer} answered and no route to it was announced within {_settings.ConnectTimeout.TotalSeconds:0.#} s (give a neighbour's UDP address with --peer HOST:PORT)"));
        }
    }

    private void OpenOn(MdpHopLink hop, OpenFlow request, IActorRef replyTo)
    {
        var flow = new MdpFlow(hop, NextPort(hop, request.RemotePort), request.RemotePort);
        flow.Register(request.Receiver);
        replyTo.Tell(new FlowOpened(flow));
    }

    private int NextPort(MdpHopLink hop, int remotePort) =>
        NextFreePort(port => hop.Flows.ContainsKey(MdpHopLink.FlowKey(port, remotePort)))
        ?? throw new InvalidOperationException("every ephemeral MDP port is in use on this link");

    /// <summary>The next ephemeral port (from 32768, wrapping) that no binding has and <paramref name="inUse"/> does not claim; null if none is left.</summary>
    private int? NextFreePort(Func<int, bool> inUse)
    {
        for (var tries = 0; tries < 65536 - FirstEphemeralPort; tries++)
        {
            var port = _nextPort;
            _nextPort = _nextPort == 65535 ? FirstEphemeralPort : _nextPort + 1;
            if (!_bindings.ContainsKey(port) && !inUse(port))
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>An open waiting for a link (and, for an own-socket flow, for the link on its new socket).</summary>
    private sealed class PendingOpen(OpenFlow request, IActorRef replyTo)
    {
        public OpenFlow Request { get; } = request;

        public IActorRef ReplyTo { get; } = replyTo;

        public MdpSocketEntry? Socket { get; set; }

        public SocketAddress? Remote { get; set; }
    }
}
