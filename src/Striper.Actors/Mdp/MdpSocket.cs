using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Striper.Actors.Mdp;

/// <summary>
/// One bound UDP socket. Its receive loop turns datagrams into actor messages in bursts: after one receive that
/// waits, it drains what the kernel already holds (up to <see cref="MdpBatch.MaxDatagrams"/>), then checks and
/// delivers each known neighbour's share itself (<see cref="MdpHop.Deliver"/>: MAC, hop ack, duplicates, one message
/// per receiver) and tells the node the rest (hellos, strangers). Known senders are looked up in the hop table
/// without allocating. Disposing the actor closes the socket.
/// <para>
/// The loop is a thread of its own that blocks in the kernel, and the socket never sees an asynchronous operation.
/// An asynchronous receive registers the socket with the runtime's epoll thread, and after that every datagram the
/// socket sent woke that thread as well (the kernel signals "writable" to epoll when a sent datagram's buffer is
/// freed), and every receive went kernel, epoll thread, thread pool: context switches were half the CPU of a
/// loopback MSP transfer. A blocked receiver is woken by the kernel directly, and sends wake nobody.
/// </para>
/// </summary>
internal sealed class MdpSocket : ReceiveActor
{
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<SocketAddress, MdpHopLink> _hops;
    private readonly IActorRef _node;
    private readonly MdpCounters _counters;
    private readonly ConcurrentDictionary<int, IActorRef> _bindings;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Receive slot per datagram: one byte more than the MTU, so a bigger datagram shows as oversize, not truncated.</summary>
    private readonly int _slotSize;

    public MdpSocket(Socket socket, ConcurrentDictionary<SocketAddress, MdpHopLink> hops, IActorRef node, MdpCounters counters, ConcurrentDictionary<int, IActorRef> bindings, MdpSettings settings)
    {
        _slotSize = settings.Mtu + 1;
        _bindings = bindings;
        _socket = socket;
        _hops = hops;
        _node = node;
        _counters = counters;
    }

    public static Props Props(Socket socket, ConcurrentDictionary<SocketAddress, MdpHopLink> hops, IActorRef node, MdpCounters counters, ConcurrentDictionary<int, IActorRef> bindings, MdpSettings settings) =>
        Akka.Actor.Props.Create(() => new MdpSocket(socket, hops, node, counters, bindings, settings));

    protected override void PreStart()
    {
        var thread = new Thread(ReceiveLoop, maxStackSize: 256 * 1024) { IsBackground = true, Name = "mdp-receive" };
        thread.Start();
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        try
        {
            // Wakes the receive loop at once: its blocking receive returns nothing.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // An unconnected UDP socket answers "not connected", but the kernel has marked it shut and woken its waiters.
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private void ReceiveLoop()
    {
        var address = new SocketAddress(_socket.AddressFamily);
        var token = _stop.Token;

        // Datagrams land in this scratch buffer; each burst is then copied into an array of its own exact size. A
        // fresh 64 KB array per burst cost a zeroed 64 KB even when a burst held one datagram (most do on a busy
        // machine), and the zeroing showed in profiles.
        var buffer = new byte[MdpBatch.MaxDatagrams * _slotSize];
        while (!token.IsCancellationRequested)
        {
            var used = 0;
            var count = 0;
            MdpHopLink? firstHop = null;
            MdpBatch? firstBatch = null;
            List<(MdpHopLink Hop, MdpBatch Batch)>? more = null;
            MdpBatch? forNode = null;
            try
            {
                var n = _socket.ReceiveFrom(buffer.AsSpan(0, _slotSize), SocketFlags.None, address);
                if (token.IsCancellationRequested)
                {
                    // Woken by the shutdown in PostStop (a receive of 0 bytes), not by a datagram.
                    return;
                }

                Sort(n);
                while (count < MdpBatch.MaxDatagrams && _socket.Available > 0)
                {
                    n = _socket.ReceiveFrom(buffer.AsSpan(used, _slotSize), SocketFlags.None, address);
                    Sort(n);
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error reported on the socket (port unreachable from an earlier send): nothing to receive.
                Interlocked.Increment(ref _counters.SendErrors);
            }

            if (used > 0)
            {
                var owned = GC.AllocateUninitializedArray<byte>(used);
                buffer.AsSpan(0, used).CopyTo(owned);
                firstBatch?.Buffer = owned;
                foreach (var (_, batch) in more ?? [])
                {
                    batch.Buffer = owned;
                }

                forNode?.Buffer = owned;
            }

            if (firstHop is not null)
            {
                MdpHop.Deliver(firstHop, firstBatch!, _bindings, _counters);
            }

            foreach (var (hop, batch) in more ?? [])
            {
                MdpHop.Deliver(hop, batch, _bindings, _counters);
            }

            if (forNode is not null)
            {
                _node.Tell(forNode);
            }

            void Sort(int n)
            {
                count++;
                Interlocked.Increment(ref _counters.DatagramsReceived);
                var type = MdpPacket.PeekType(buffer.AsSpan(used, n));
                if (n < _slotSize && type is MdpPacketType.Data or MdpPacketType.Ack && _hops.TryGetValue(address, out var hop))
                {
                    BatchFor(hop).Add(used, n, null);
                }
                else
                {
                    forNode ??= new MdpBatch(buffer, withSenders: true) { Socket = _socket };
                    forNode.Add(used, n, address);
                }

                used += n;
            }

            MdpBatch BatchFor(MdpHopLink hop)
            {
                if (firstHop is null || ReferenceEquals(firstHop, hop))
                {
                    firstHop = hop;
                    return firstBatch ??= new MdpBatch(buffer, withSenders: false);
                }

                more ??= [];
                foreach (var (h, b) in more)
                {
                    if (ReferenceEquals(h, hop))
                    {
                        return b;
                    }
                }

                var batch = new MdpBatch(buffer, withSenders: false);
                more.Add((hop, batch));
                return batch;
            }
        }
    }

    /// <summary>Binds a UDP socket with large kernel buffers; an IPv6 wildcard also receives IPv4 (dual mode).</summary>
    public static Socket Bind(IPEndPoint endPoint, int bufferSize)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.ReceiveBufferSize = bufferSize;
            socket.SendBufferSize = bufferSize;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
