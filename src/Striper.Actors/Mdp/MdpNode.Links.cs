using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Identity;
using Striper.Actors.Services;

namespace Striper.Actors.Mdp;

/// <summary>Neighbour links: hellos in and out, the keys they prove, adding, replacing and expiring links.</summary>
internal sealed partial class MdpNode
{
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

        if (!MdpLinkKeys.Verify(peer.Keys.Receive, datagram))
        {
            Interlocked.Increment(ref _counters.HellosRejected);
            return;
        }

        if (entry.Hops.TryGetValue(sender, out var hop) && hop.Peer == peer.Sid && !_saidBye.Contains(hop))
        {
            hop.MarkHeard();
            if (hop.PeerIncarnation != incarnation)
            {
                Context.Logger().LogInformation("neighbour {Sid} at {Address} restarted", peer.Sid.Abbreviated, hop.RemoteEndPoint);
                hop.PeerRestarted(incarnation, nextSequence);
            }
        }
        else
        {
            if (hop is not null)
            {
                // Another node at that address now, or the same one on a new socket that got the port of one it closed
                // (it said bye): either way a new link, numbered afresh; the old link's flows hear nothing more on it.
                TellLinkDown(hop, _saidBye.Contains(hop)
                    ? $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was closed by the neighbour"
                    : $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was replaced: node {peer.Sid.Abbreviated} answers at that address now");
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

    /// <summary>
    /// A neighbour closed its end of a link: checked like a hello (MAC with the link's key, and both incarnations as
    /// they are now), then the link goes as an expired one does, after <see cref="ByeGrace"/>. Anything else is
    /// counted and dropped. The grace is for what is still on its way: the bye comes to the node, while datagrams go
    /// from the receive loop straight to the streams, so the last acknowledgement of a stream that is closing cleanly
    /// could otherwise reach it after the news that the link is gone, and fail it.
    /// </summary>
    private void OnBye(MdpSocketEntry entry, SocketAddress sender, ReadOnlySpan<byte> datagram)
    {
        if (!MdpPacket.TryReadBye(datagram, out var senderIncarnation, out var receiverIncarnation))
        {
            Interlocked.Increment(ref _counters.MalformedDropped);
            return;
        }

        if (!entry.Hops.TryGetValue(sender, out var hop))
        {
            Interlocked.Increment(ref _counters.UnknownSenderDropped);
            return;
        }

        if (!MdpLinkKeys.Verify(hop.Keys.Receive, datagram)
            || senderIncarnation != hop.PeerIncarnation || receiverIncarnation != _incarnation)
        {
            Interlocked.Increment(ref _counters.ForgedDropped);
            return;
        }

        if (!_saidBye.Add(hop))
        {
            return;
        }

        Interlocked.Increment(ref _counters.LinksClosedByPeer);
        Context.Logger().LogDebug("neighbour {Sid} at {Address} closed the link", hop.Peer.Abbreviated, hop.RemoteEndPoint);
        Timers.StartSingleTimer(("bye", hop), new MdpProtocol.ByeGraceOver(hop), ByeGrace);
    }

    private void OnByeGraceOver(MdpProtocol.ByeGraceOver message)
    {
        var hop = message.Hop;
        var entry = _sockets.FirstOrDefault(s => ReferenceEquals(s.Socket, hop.Socket));
        if (entry is null || !entry.Hops.TryGetValue(hop.Remote, out var current) || !ReferenceEquals(current, hop))
        {
            // Gone already (expired, or replaced by a new link at that address).
            return;
        }

        TellLinkDown(hop, $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was closed by the neighbour");
        DropHop(entry, hop);
    }

    private MdpHopLink AddHop(MdpSocketEntry entry, SocketAddress sender, Sid peer, MdpLinkKeys keys, uint incarnation, uint nextSequence)
    {
        var hop = new MdpHopLink(entry.Socket, sender, peer, keys, incarnation, nextSequence, _settings, _counters, Context.Clock());
        hop.Hop = Context.ActorOf(MdpHop.Props(hop, _bindings, _counters, _settings));
        Context.Watch(hop.Hop);
        entry.Hops[sender] = hop;
        if (!_bySid.TryGetValue(peer, out var list))
        {
            _bySid[peer] = list = [];
        }

        list.Insert(0, hop);
        _lastKeepalive[hop] = Context.Clock().GetTimestamp();
        _lastHeard[hop] = _lastKeepalive[hop];
        Context.Logger().LogInformation("neighbour {Sid} up at {Address} (via {Local})", peer.Abbreviated, hop.RemoteEndPoint, entry.LocalEndPoint);
        if (!entry.Dedicated)
        {
            OnRoutingLinkUp(hop);
        }

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
        _saidBye.Remove(hop);
        Context.Unwatch(hop.Hop);
        Context.Stop(hop.Hop);
        if (!entry.Dedicated)
        {
            OnRoutingLinkGone();
        }
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
        Context.Logger().LogInformation("neighbour {Sid} at {Address} silent for {Seconds} s: link removed", hop.Peer.Abbreviated, hop.RemoteEndPoint, _settings.LinkTimeout.TotalSeconds);
        TellLinkDown(hop, $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} was removed: nothing heard from it for {_settings.LinkTimeout.TotalSeconds:0.###} s (striper.mdp.link-timeout)");
        DropHop(_sockets.First(s => ReferenceEquals(s.Socket, hop.Socket)), hop);
    }

    /// <summary>
    /// A hop actor that stopped while its link was still in the tables failed (its parent stops failed children, see
    /// <see cref="SupervisorStrategy"/>): the link goes as if its neighbour had left, and a hello brings a fresh one.
    /// </summary>
    private bool DropFailedHop(IActorRef actor)
    {
        foreach (var entry in _sockets)
        {
            foreach (var hop in entry.Hops.Values)
            {
                if (ReferenceEquals(hop.Hop, actor))
                {
                    TellLinkDown(hop, $"the MDP link to neighbour {hop.Peer.Abbreviated} at {hop.RemoteEndPoint} failed and was removed");
                    DropHop(entry, hop);
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Removes a link that is gone; a dedicated socket, bound for the flows of this one link, closes with it.</summary>
    private void DropHop(MdpSocketEntry entry, MdpHopLink hop)
    {
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
        var now = Context.Clock().GetTimestamp();
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
            else if (Context.Clock().GetElapsedTime(_lastHeard[hop], now) >= _settings.LinkTimeout)
            {
                ExpireHop(hop);
                continue;
            }

            if (Context.Clock().GetElapsedTime(_lastKeepalive[hop], now) >= _settings.HelloKeepalive)
            {
                _lastKeepalive[hop] = now;
                hop.SendHello(replyWanted: true, _incarnation, _identity.PublicKey);
            }
        }
    }
}
