using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Striper.Actors.Identity;
using Striper.Actors.Runtime;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>
/// An MDP node: its identity, its bound UDP sockets (one <see cref="MdpSocket"/> child each), one <see cref="MdpHop"/>
/// child per neighbour link, and the local port bindings. It says hello to configured peers, checks the hellos it
/// gets (the key must hash to the claimed SID and the MAC must verify with the link key that key gives) and opens a
/// link per neighbour address. Hellos with new keys are checked within a budget (<see cref="MdpHelloBudget"/>), so a
/// flood cannot make the node spend unbounded CPU on key agreement; a link on which nothing valid has been heard for
/// <see cref="MdpSettings.LinkTimeout"/> is removed on the hello timer's round. It routes by (SID, port): a flow to a
/// SID goes over a link to that neighbour; only direct neighbours are reachable (there is no multi-hop forwarding).
/// Arriving datagrams go straight from the sockets to the hops, which deliver them; the node only sees hellos and
/// strangers.
/// </summary>
internal sealed class MdpNode : ReceiveActor
{
    private const string HelloTimer = "hello";
    private const int KeyCacheLimit = 256;
    private const int FirstEphemeralPort = 32768;

    private readonly NodeIdentity _identity;
    private readonly MdpSettings _settings;
    private readonly MdpCounters _counters;
    private readonly List<MdpSocketEntry> _sockets;
    private readonly List<IPEndPoint> _peers;
    private readonly ConcurrentDictionary<int, IActorRef> _bindings = new();
    private readonly Dictionary<Sid, List<MdpHopLink>> _bySid = [];
    private readonly Dictionary<string, (Sid Sid, MdpLinkKeys Keys)> _keys = [];
    private readonly Dictionary<long, PendingOpen> _pending = [];
    private readonly Dictionary<MdpHopLink, long> _lastKeepalive = [];
    private readonly Dictionary<MdpHopLink, long> _lastHeard = [];
    private readonly MdpHelloBudget _helloBudget;
    private readonly byte[] _scratch = new byte[MdpPacket.HelloSize];
    private long _ownSockets;
    private readonly uint _incarnation = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
    private long _nextPendingId;
    private int _nextPort = FirstEphemeralPort;

    public MdpNode(NodeIdentity identity, MdpSettings settings, MdpCounters counters, IReadOnlyList<MdpSocketEntry> sockets, IEnumerable<IPEndPoint> peers)
    {
        _identity = identity;
        _settings = settings;
        _counters = counters;
        _sockets = [.. sockets];
        _peers = [.. peers];
        _helloBudget = new MdpHelloBudget(settings.MaxHellosPerSecond, Context.System.TimeProvider);
        Receive<MdpBatch>(OnBatch);
        Receive<HelloTick>(_ => SayHello());
        Receive<AddPeer>(m =>
        {
            _peers.Add(m.EndPoint);
            SayHello();
        });
        Receive<Bind>(OnBind);
        Receive<Unbind>(m => _bindings.TryRemove(m.Port, out _));
        Receive<OpenFlow>(m => OnOpenFlow(m, Sender));
        Receive<OpenTimeout>(OnOpenTimeout);
        Receive<CloseFlow>(OnCloseFlow);
        Receive<GetStats>(_ => Sender.Tell(_counters.Snapshot(_bySid.Values.Sum(l => l.Count))));
        Receive<GetNeighbours>(_ => Sender.Tell(new Neighbours([.. _bySid.Keys])));
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(NodeIdentity identity, MdpSettings settings, MdpCounters counters, IReadOnlyList<MdpSocketEntry> sockets, IEnumerable<IPEndPoint> peers) =>
        Runtime.Props.Create(() => new MdpNode(identity, settings, counters, sockets, peers));

    protected override void PreStart()
    {
        var i = 0;
        foreach (var entry in _sockets)
        {
            entry.Actor = Context.ActorOf(MdpSocket.Props(entry.Socket, entry.Hops, Self, _counters, _bindings, _settings.Mtu), $"udp-{i++}");
        }

        Timers.StartPeriodicTimer(HelloTimer, HelloTick.Instance, _settings.HelloInterval);
        SayHello();
    }

    private void OnBatch(MdpBatch batch)
    {
        var entry = _sockets.FirstOrDefault(s => ReferenceEquals(s.Socket, batch.Socket));
        for (var i = 0; i < batch.Count; i++)
        {
            var datagram = batch.Datagram(i).Span;
            var sender = batch.Senders is null ? null : batch.Senders[i];
            switch (MdpPacket.PeekType(datagram))
            {
                case MdpPacketType.Hello when entry is not null && sender is not null:
                    OnHello(entry, sender, datagram);
                    break;
                case MdpPacketType.Data or MdpPacketType.Ack when datagram.Length <= _settings.Mtu:
                    // From an address with no link: nobody we have exchanged verified hellos with.
                    Interlocked.Increment(ref _counters.UnknownSenderDropped);
                    break;
                default:
                    Interlocked.Increment(ref _counters.MalformedDropped);
                    break;
            }
        }
    }

    private void OnHello(MdpSocketEntry entry, SocketAddress sender, ReadOnlySpan<byte> datagram)
    {
        if (!MdpPacket.TryReadHello(datagram, out var replyWanted, out var probe, out var incarnation, out var nextSequence, out var publicKey))
        {
            Interlocked.Increment(ref _counters.MalformedDropped);
            return;
        }

        Interlocked.Increment(ref _counters.HellosReceived);
        var hex = Convert.ToHexString(publicKey);
        if (!_keys.TryGetValue(hex, out var peer))
        {
            // Only a key not yet known costs public-key work (an ECDH, and a point check that may fail), so only such
            // hellos spend the budget, before that work. Keepalives of neighbours with links never do: their keys stay
            // cached while the link is up (see KeysFor), so however many hellos strangers send, links that are up keep
            // their keepalives and do not expire. Rather that than a budget sized to cover max-links neighbours'
            // keepalives, which a flood could still crowd out. A newcomer spends one token: its probe's key is
            // cached from then on, so its signed hello that follows is free.
            if (!_helloBudget.TryTake(sender))
            {
                Interlocked.Increment(ref _counters.HellosThrottled);
                return;
            }

            if (KeysFor(hex, publicKey) is not { } derived)
            {
                Interlocked.Increment(ref _counters.HellosRejected);
                return;
            }

            peer = derived;
        }

        if (probe)
        {
            // The sender does not know our key yet, so it could not sign; answer with a signed hello that asks for one back.
            SendSignedHello(entry.Socket, sender, peer.Keys, replyWanted: true);
            return;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(peer.Keys.Receive, datagram[..MdpPacket.HelloBodySize], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MdpPacket.MacSize], datagram[MdpPacket.HelloBodySize..]))
        {
            Interlocked.Increment(ref _counters.HellosRejected);
            return;
        }

        if (entry.Hops.TryGetValue(sender, out var hop) && hop.Peer == peer.Sid)
        {
            hop.MarkHeard();
            if (hop.PeerIncarnation != incarnation)
            {
                Context.Log.LogInformation("neighbour {Sid} at {Address} restarted", peer.Sid.Abbreviated, hop.RemoteEndPoint);
                hop.PeerRestarted(incarnation, nextSequence);
            }
        }
        else
        {
            if (hop is not null)
            {
                // Another node at that address now: the old link's flows will hear nothing more on it.
                TellLinkDown(hop, $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was replaced: node {peer.Sid.Abbreviated} answers at that address now");
                RemoveHop(entry, hop);
            }
            else if (_lastKeepalive.Count >= _settings.MaxLinks)
            {
                // Each link preallocates its hop window: a cap, not a cache, so links that are up are never pushed out.
                Interlocked.Increment(ref _counters.LinksRefused);
                return;
            }

            hop = AddHop(entry, sender, peer.Sid, peer.Keys, incarnation, nextSequence);
        }

        if (replyWanted)
        {
            hop.SendHello(replyWanted: false, _incarnation, _identity.PublicKey);
        }

        foreach (var (id, pending) in _pending.Where(p => p.Value.Request.Peer == peer.Sid).ToList())
        {
            if (pending.Request.OwnSocket && pending.Socket is null)
            {
                if (!entry.Dedicated && !StartOwnSocket(pending, hop))
                {
                    _pending.Remove(id);
                    Timers.Cancel(("open", id));
                }
            }
            else if ((!pending.Request.OwnSocket && !entry.Dedicated) || ReferenceEquals(pending.Socket, entry))
            {
                _pending.Remove(id);
                Timers.Cancel(("open", id));
                OpenOn(hop, pending.Request, pending.ReplyTo);
            }
        }
    }

    private MdpHopLink AddHop(MdpSocketEntry entry, SocketAddress sender, Sid peer, MdpLinkKeys keys, uint incarnation, uint nextSequence)
    {
        var hop = new MdpHopLink(entry.Socket, sender, peer, keys, incarnation, nextSequence, _settings, _counters, Context.System.TimeProvider);
        hop.Hop = Context.ActorOf(MdpHop.Props(hop, _bindings, _counters, _settings));
        entry.Hops[sender] = hop;
        if (!_bySid.TryGetValue(peer, out var list))
        {
            _bySid[peer] = list = [];
        }

        list.Insert(0, hop);
        _lastKeepalive[hop] = Context.System.TimeProvider.GetTimestamp();
        _lastHeard[hop] = _lastKeepalive[hop];
        Context.Log.LogInformation("neighbour {Sid} up at {Address} (via {Local})", peer.Abbreviated, hop.RemoteEndPoint, entry.LocalEndPoint);
        return hop;
    }

    private void RemoveHop(MdpSocketEntry entry, MdpHopLink hop)
    {
        entry.Hops.TryRemove(hop.Remote, out _);
        if (_bySid.TryGetValue(hop.Peer, out var list))
        {
            list.Remove(hop);
            if (list.Count == 0)
            {
                _bySid.Remove(hop.Peer);
            }
        }

        _lastKeepalive.Remove(hop);
        _lastHeard.Remove(hop);
        Context.Stop(hop.Hop);
    }

    /// <summary>
    /// Removes a link its neighbour has left: its flows' receivers (MSP endpoints or streams) hear
    /// <see cref="Msp.MspProtocol.LinkDown"/> so their streams end with a reason instead of idling out, the hop actor
    /// stops (freeing the window) and the slot under max-links is free again. A dedicated socket, bound for the flows of
    /// this one link, closes with it. A neighbour that comes back says hello and gets a fresh link.
    /// </summary>
    private void ExpireHop(MdpHopLink hop)
    {
        Interlocked.Increment(ref _counters.LinksExpired);
        Context.Log.LogInformation("neighbour {Sid} at {Address} silent for {Seconds} s: link removed", hop.Peer.Abbreviated, hop.RemoteEndPoint, _settings.LinkTimeout.TotalSeconds);
        TellLinkDown(hop, $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was removed: nothing heard from it for {_settings.LinkTimeout.TotalSeconds:0.###} s (striper.mdp.link-timeout)");
        var entry = _sockets.First(s => ReferenceEquals(s.Socket, hop.Socket));
        RemoveHop(entry, hop);
        if (entry.Dedicated && entry.Hops.IsEmpty)
        {
            _sockets.Remove(entry);
            Context.Stop(entry.Actor);
        }
    }

    private static void TellLinkDown(MdpHopLink hop, string reason)
    {
        var down = new Msp.MspProtocol.LinkDown(reason);
        foreach (var receiver in hop.Flows.Values.Distinct())
        {
            receiver.Tell(down);
        }

        hop.Flows.Clear();
    }

    /// <summary>Derives the link keys for a key not in the cache (the ECDH the hello budget pays for).</summary>
    private (Sid Sid, MdpLinkKeys Keys)? KeysFor(string hex, ReadOnlySpan<byte> publicKey)
    {
        var secret = _identity.DeriveSharedSecret(publicKey);
        if (secret is null)
        {
            return null;
        }

        var sid = Sid.FromPublicKey(publicKey);
        var keys = MdpLinkKeys.Derive(secret, _identity.Sid, sid);
        if (_keys.Count >= KeyCacheLimit)
        {
            // Keep the keys of neighbours with links: their keepalives are exempt from the hello budget only while
            // their key is known, so a flood of fresh keys must not push them out.
            foreach (var (stale, known) in _keys)
            {
                if (!_bySid.ContainsKey(known.Sid))
                {
                    _keys.Remove(stale);
                }
            }
        }

        _keys[hex] = (sid, keys);
        return (sid, keys);
    }

    private void SendSignedHello(Socket socket, SocketAddress to, MdpLinkKeys keys, bool replyWanted)
    {
        var length = MdpPacket.WriteHelloBody(_scratch, replyWanted, _incarnation, 0, _identity.PublicKey);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(keys.Send, _scratch.AsSpan(0, length), mac);
        mac[..MdpPacket.MacSize].CopyTo(_scratch.AsSpan(length));
        SendRaw(socket, to, _scratch);
    }

    /// <summary>
    /// The hello timer's round: hellos to configured peers (a probe where no link is up), a signed keepalive (asking for a
    /// reply) on links due one, and the removal of links silent for the link timeout. A configured peer whose link
    /// expired is probed again on the next round.
    /// </summary>
    private void SayHello()
    {
        var now = Context.System.TimeProvider.GetTimestamp();
        foreach (var peer in _peers)
        {
            var hop = _bySid.Values.SelectMany(l => l).FirstOrDefault(h => SameEndPoint(h.RemoteEndPoint, peer));
            if (hop is null)
            {
                var entry = _sockets.FirstOrDefault(s => s.AddressFor(peer) is not null);
                if (entry is not null)
                {
                    SendProbe(entry, entry.AddressFor(peer)!);
                }
            }
        }

        // Own-socket flows still waiting for the neighbour's answer on their new socket.
        foreach (var pending in _pending.Values)
        {
            if (pending.Socket is { } socket && pending.Remote is { } remote)
            {
                SendProbe(socket, remote);
            }
        }

        foreach (var hop in _lastKeepalive.Keys.ToList())
        {
            if (hop.TakeHeard())
            {
                _lastHeard[hop] = now;
            }
            else if (Context.System.TimeProvider.GetElapsedTime(_lastHeard[hop], now) >= _settings.LinkTimeout)
            {
                ExpireHop(hop);
                continue;
            }

            if (Context.System.TimeProvider.GetElapsedTime(_lastKeepalive[hop], now) >= _settings.HelloKeepalive)
            {
                _lastKeepalive[hop] = now;
                hop.SendHello(replyWanted: true, _incarnation, _identity.PublicKey);
            }
        }
    }

    private void OnBind(Bind message)
    {
        if (message.Port is < 1 or > 65535)
        {
            Sender.Tell(new BindFailed(message.Port, $"MDP port {message.Port} is not from 1 to 65535"));
        }
        else if (!_bindings.TryAdd(message.Port, message.Handler))
        {
            Sender.Tell(new BindFailed(message.Port, $"MDP port {message.Port} is already bound"));
        }
        else
        {
            Context.Watch(message.Handler);
            Sender.Tell(new Bound(message.Port));
        }
    }

    private void OnTerminated(Terminated message)
    {
        foreach (var (port, handler) in _bindings)
        {
            if (ReferenceEquals(handler, message.ActorRef))
            {
                _bindings.TryRemove(port, out _);
            }
        }
    }

    private void OnOpenFlow(OpenFlow request, IActorRef replyTo)
    {
        if (request.Peer == _identity.Sid)
        {
            replyTo.Tell(new FlowFailed(request.Peer, "that SID is this node's own; connect to a neighbour's SID"));
            return;
        }

        var pending = new PendingOpen(request, replyTo);
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
        var entry = _sockets.FirstOrDefault(s => s.Dedicated && ReferenceEquals(s.Socket, flow.Hop.Socket));
        if (entry is null || !flow.Hop.Flows.IsEmpty)
        {
            return;
        }

        foreach (var hop in entry.Hops.Values.ToList())
        {
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
        entry.Actor = Context.ActorOf(MdpSocket.Props(socket, entry.Hops, Self, _counters, _bindings, _settings.Mtu), $"udp-{_sockets.Count}-{++_ownSockets}");
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
                $"no neighbour with SID {pending.Request.Peer} answered within {_settings.ConnectTimeout.TotalSeconds:0.#} s (give its UDP address with --peer HOST:PORT; only direct neighbours are reachable)"));
        }
    }

    private void OpenOn(MdpHopLink hop, OpenFlow request, IActorRef replyTo)
    {
        var flow = new MdpFlow(hop, NextPort(hop, request.RemotePort), request.RemotePort);
        flow.Register(request.Receiver);
        replyTo.Tell(new FlowOpened(flow));
    }

    private int NextPort(MdpHopLink hop, int remotePort)
    {
        for (var tries = 0; tries < 65536 - FirstEphemeralPort; tries++)
        {
            var port = _nextPort;
            _nextPort = _nextPort == 65535 ? FirstEphemeralPort : _nextPort + 1;
            if (!_bindings.ContainsKey(port) && !hop.Flows.ContainsKey(MdpHopLink.FlowKey(port, remotePort)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("every ephemeral MDP port is in use on this link");
    }

    private void SendRaw(Socket socket, SocketAddress to, ReadOnlySpan<byte> datagram)
    {
        try
        {
            socket.SendTo(datagram, SocketFlags.None, to);
            Interlocked.Increment(ref _counters.DatagramsSent);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _counters.SendErrors);
        }
    }

    /// <summary>An open waiting for a link (and, for an own-socket flow, for the link on its new socket).</summary>
    private sealed class PendingOpen(OpenFlow request, IActorRef replyTo)
    {
        public OpenFlow Request { get; } = request;

        public IActorRef ReplyTo { get; } = replyTo;

        public MdpSocketEntry? Socket { get; set; }

        public SocketAddress? Remote { get; set; }
    }

    private static bool SameEndPoint(IPEndPoint a, IPEndPoint b) => a.Port == b.Port && Normal(a.Address).Equals(Normal(b.Address));

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
