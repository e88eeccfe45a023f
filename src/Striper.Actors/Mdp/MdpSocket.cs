using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Striper.Actors.Mdp.Offload;
using Striper.Actors.Runtime;

namespace Striper.Actors.Mdp;

/// <summary>
/// One bound UDP socket. Its receive loop turns datagrams into actor messages in bursts: after one receive that
/// waits, it drains what the kernel already holds (up to a burst's room), then checks and delivers each known
/// neighbour's share itself (<see cref="MdpHop.Deliver"/>: MAC, hop ack, duplicates, one message per receiver) and
/// tells the node the rest (hellos, strangers). Known senders are
/// looked up in the hop table without allocating. Disposing the actor closes the socket.
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

    /// <summary>Datagrams one burst holds when each receive brings one.</summary>
    private const int SingleBurst = 31;

    /// <summary>
    /// A burst's room with coalescing: one full 64 KiB run and a little more, and under the 85,000 bytes from which an
    /// array goes to the large object heap, so the burst's own copy is collected young.
    /// </summary>
    private const int CoalescingBurstBytes = 84_000;

    /// <summary>How long the offload receive waits in poll before it looks at the stop token again.</summary>
    private const int PollMilliseconds = 500;

    /// <summary>Receive slot per datagram: one byte more than the MTU, so a bigger datagram shows as oversize, not truncated.</summary>
    private readonly int _slotSize;

    /// <summary>Receive with recvmsg (and coalescing, where the kernel grants it) rather than through <see cref="Socket"/>.</summary>
    private readonly bool _offload;

    public MdpSocket(Socket socket, ConcurrentDictionary<SocketAddress, MdpHopLink> hops, IActorRef node, MdpCounters counters, ConcurrentDictionary<int, IActorRef> bindings, MdpSettings settings)
    {
        _slotSize = settings.Mtu + 1;
        _offload = settings.SegmentationOffload && UdpOffload.Supported;
        _bindings = bindings;
        _socket = socket;
        _hops = hops;
        _node = node;
        _counters = counters;
    }

    public static Props Props(Socket socket, ConcurrentDictionary<SocketAddress, MdpHopLink> hops, IActorRef node, MdpCounters counters, ConcurrentDictionary<int, IActorRef> bindings, MdpSettings settings) =>
        Runtime.Props.Create(() => new MdpSocket(socket, hops, node, counters, bindings, settings));

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
            // Wakes the receive loop at once, wherever it waits (a blocking receive or poll returns nothing).
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
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            // Holding a reference keeps the descriptor from being closed (and its number reused) while the loop may
            // still call recvmsg on it; disposing the socket closes it when the loop lets go.
            handle.DangerousAddRef(ref added);
            var coalescing = _offload && UdpOffload.EnableReceiveCoalescing(_socket);
            Receive(coalescing, (int)handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            // Stopped before the loop began.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private void Receive(bool coalescing, int descriptor)
    {
        var address = new SocketAddress(_socket.AddressFamily);
        var token = _stop.Token;

        // Room for one receive: a datagram, or with coalescing a run of up to 64 KiB.
        var receiveSize = coalescing ? UdpOffload.MaxReceiveBytes : _slotSize;
        var perReceive = coalescing ? UdpOffload.MaxSegments : 1;

        // Datagrams land in this scratch buffer; each burst is then copied into an array of its own exact size. A
        // fresh 64 KB array per burst cost a zeroed 64 KB even when a burst held one datagram (most do on a busy
        // machine), and the zeroing showed in profiles.
        var buffer = new byte[coalescing ? CoalescingBurstBytes : SingleBurst * _slotSize];
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
                while (count + perReceive <= MdpBatch.MaxDatagrams && used + receiveSize <= buffer.Length)
                {
                    var n = ReceiveOne(descriptor, buffer.AsSpan(used, receiveSize), address, wait: count == 0, out var segmentSize);
                    if (token.IsCancellationRequested)
                    {
                        // Woken by the shutdown in PostStop (a receive of 0 bytes), not by a datagram.
                        return;
                    }

                    if (n < 0)
                    {
                        // Nothing more waiting (or, first time round, nothing within the poll's wait: look again).
                        break;
                    }

                    if (n == 0)
                    {
                        // An empty datagram: junk, for the node to count.
                        Sort(0);
                        continue;
                    }

                    // One datagram, or a coalesced run of datagrams of segmentSize bytes each, the last perhaps shorter.
                    for (var offset = 0; offset < n; offset += segmentSize)
                    {
                        Sort(Math.Min(segmentSize, n - offset));
                    }
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

    /// <summary>
    /// One receive into <paramref name="slot"/>: the byte count (for a coalesced run, of the whole run, with each
    /// datagram's size in <paramref name="segmentSize"/>), or -1 if nothing is waiting. With <paramref name="wait"/> it
    /// waits for something first, up to <see cref="PollMilliseconds"/> with offload and without limit otherwise.
    /// </summary>
    private int ReceiveOne(int descriptor, Span<byte> slot, SocketAddress address, bool wait, out int segmentSize)
    {
        if (_offload)
        {
            return UdpOffload.Receive(descriptor, slot, address, wait, PollMilliseconds, out segmentSize, out _);
        }

        if (!wait && _socket.Available == 0)
        {
            segmentSize = 0;
            return -1;
        }

        segmentSize = _socket.ReceiveFrom(slot, SocketFlags.None, address);
        return segmentSize;
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
