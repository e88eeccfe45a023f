using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp.Offload;

namespace Striper.Actors.Mdp;

/// <summary>
/// The state of one neighbour link (one local UDP socket, one remote address), shared by the <see cref="MdpHop"/> actor
/// and the senders. Sending is a synchronous call from the sender's own thread (an MSP stream actor): number the
/// datagram, store it for retransmission, MAC it, <c>sendto</c>. That saves an actor hop per packet on the hot path;
/// the price is this lock, held for microseconds. The hop actor does everything else: checks arriving datagrams,
/// applies acknowledgements, retransmits on its timer and acknowledges.
/// </summary>
internal sealed class MdpHopLink : IDisposable
{
    private readonly Lock _gate = new();
    private MdpSendWindow _send;
    private readonly MdpReceiveWindow _receive;
    private readonly IncrementalHash _sendMac;
    private readonly IncrementalHash _receiveMac;
    private readonly MdpCounters _counters;
    private readonly MdpSettings _settings;
    private readonly TimeProvider _clock;
    private readonly byte[] _control = new byte[MdpPacket.HelloSize + MdpPacket.Overhead];
    private readonly Action<long> _retransmit;
    private int _arrivalsSinceAck;
    private int _ackTimerClaimed;
    private int _heard;
    private double _srtt = -1;

    // Datagrams sent and retransmitted on this link, decayed by half at each routing metric read (RouteMetric).
    private double _recentSent;
    private double _recentRetransmitted;
    private double _rttvar;
    private bool _disposed;

    public MdpHopLink(Socket socket, SocketAddress remote, Sid peer, MdpLinkKeys keys, uint peerIncarnation, uint peerNextSequence, MdpSettings settings, MdpCounters counters, TimeProvider clock)
    {
        Socket = socket;
        Remote = remote;
        Peer = peer;
        Keys = keys;
        PeerIncarnation = peerIncarnation;
        _settings = settings;
        _counters = counters;
        _clock = clock;
        _send = new MdpSendWindow(settings.HopWindow, settings.Mtu, 0);
        _receive = new MdpReceiveWindow(peerNextSequence);
        _sendMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Send);
        _receiveMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Receive);
        _retransmit = Retransmit;
        Segmentation = settings.SegmentationOffload && UdpOffload.Supported;
        RemoteEndPoint = remote.Family == AddressFamily.InterNetwork
            ? (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(remote)
            : (IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(remote);
    }

    public Socket Socket { get; }

    public SocketAddress Remote { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public Sid Peer { get; }

    /// <summary>The link's MAC keys, for the node's checks of hellos and byes (the receive loop has its own hash state).</summary>
    public MdpLinkKeys Keys { get; }

    /// <summary>
    /// Whether datagrams sent during a burst may leave as one segmented send (<see cref="MdpSendBatch"/>). Turned off
    /// for good when the kernel refuses one, as it does for a device that cannot checksum segments.
    /// </summary>
    public bool Segmentation { get; private set; }

    public uint PeerIncarnation { get; private set; }

    /// <summary>The hop actor, told <see cref="MdpProtocol.Kick"/> when the send window stops being empty.</summary>
    public IActorRef Hop { get; set; } = ActorRefs.Nobody;

    /// <summary>Receivers of registered flows, keyed by <see cref="FlowKey"/>.</summary>
    public ConcurrentDictionary<int, IActorRef> Flows { get; } = new();

    public int ArrivalsSinceAck => Volatile.Read(ref _arrivalsSinceAck);

    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _disposed ? 0 : _send.Outstanding;
            }
        }
    }

    /// <summary>The hop retransmission timeout, from the smoothed hop RTT (RFC 6298 shape).</summary>
    public TimeSpan Rto
    {
        get
        {
            var rto = _srtt < 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(_srtt + (4 * _rttvar));
            return rto < _settings.MinHopRto ? _settings.MinHopRto : rto > _settings.MaxHopRto ? _settings.MaxHopRto : rto;
        }
    }

    /// <summary>
    /// What reaching the neighbour over this link costs, for route announcements: the smoothed hop RTT in tenths of a
    /// millisecond (at least 1), raised by the share of datagrams that needed retransmission since the last read
    /// (each read halves the history, so the metric follows the link's recent behaviour): a lossy link costs up to
    /// five times its RTT.
    /// </summary>
    public int RouteMetric()
    {
        lock (_gate)
        {
            var rttTenths = _srtt < 0 ? 10 : _srtt * 10_000;
            var loss = _recentSent > 0 ? Math.Min(1, _recentRetransmitted / _recentSent) : 0;
            _recentSent /= 2;
            _recentRetransmitted /= 2;
            return (int)Math.Clamp(Math.Round(rttTenths * (1 + (4 * loss))), 1, ushort.MaxValue);
        }
    }

    /// <summary>
    /// True once since the last call if something valid (a verified datagram or hello) arrived on the link. A flag
    /// rather than a timestamp: the receive path sets an int, and the node reads the clock once per sweep.
    /// </summary>
    public bool TakeHeard() => Interlocked.Exchange(ref _heard, 0) != 0;

    /// <summary>The node verified a hello from the neighbour on this link.</summary>
    public void MarkHeard() => Volatile.Write(ref _heard, 1);

    public static int FlowKey(int localPort, int remotePort) => (localPort << 16) | remotePort;

    /// <summary>Sends one datagram from <paramref name="sourcePort"/> to the neighbour's <paramref name="destinationPort"/>; never blocks on the peer.</summary>
    public void Send(int sourcePort, int destinationPort, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _settings.MaxPayload)
        {
            Interlocked.Increment(ref _counters.OversizeDropped);
            return;
        }

        bool kick;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_send.IsFull)
            {
                _send.DropOldest();
                Interlocked.Increment(ref _counters.WindowOverflows);
            }

            var slot = _send.Reserve();
            var header = new MdpHeader(MdpPacketType.Data, payload.Length, (uint)_send.Next, _receive.WireCumulative, (uint)_send.Base, _receive.AckBits(), (ushort)sourcePort, (ushort)destinationPort);
            var length = MdpPacket.WriteData(slot, header, payload);
            MdpLinkKeys.Sign(_sendMac, slot[..length], slot.Slice(length, MdpPacket.MacSize));
            length += MdpPacket.MacSize;
            _send.Commit(length, _clock.GetTimestamp());
            _recentSent++;
            _arrivalsSinceAck = 0;
            kick = _send.Outstanding == 1;
            SendRaw(slot[..length]);
        }

        if (kick)
        {
            Hop.Tell(MdpProtocol.Kick.Instance);
        }
    }

    /// <summary>
    /// Checks one arriving DATA or ACK datagram (hop actor only) and applies its acknowledgement. Returns true with
    /// the header when it carries a payload to deliver; false (and counts why) for anything forged, malformed or duplicate.
    /// </summary>
    public bool Receive(ReadOnlySpan<byte> datagram, out MdpHeader header)
    {
        if (!MdpPacket.TryReadData(datagram, out header))
        {
            Interlocked.Increment(ref _counters.MalformedDropped);
            return false;
        }

        bool verified;
        try
        {
            verified = !Volatile.Read(ref _disposed) && MdpLinkKeys.Verify(_receiveMac, datagram);
        }
        catch (ObjectDisposedException)
        {
            // The link was replaced while this burst was on its way: its datagrams are the new link's to judge.
            return false;
        }

        if (!verified)
        {
            if (!Volatile.Read(ref _disposed))
            {
                Interlocked.Increment(ref _counters.ForgedDropped);
            }

            return false;
        }

        _heard = 1;
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _send.OnAck(header.AckCumulative, header.AckBits, out var sampleSentAt);
            if (sampleSentAt >= 0)
            {
                UpdateRtt(_clock.GetElapsedTime(sampleSentAt).TotalSeconds);
            }

            if (header.Type != MdpPacketType.Data)
            {
                return false;
            }

            _arrivalsSinceAck++;
            if (!_receive.Accept(header.Sequence, header.Floor))
            {
                Interlocked.Increment(ref _counters.DuplicatesDropped);
                return false;
            }
        }

        return true;
    }

    /// <summary>True for the one caller that should ask the hop actor for a delayed ack; false while one is pending.</summary>
    public bool TryClaimAckTimer() => Interlocked.Exchange(ref _ackTimerClaimed, 1) == 0;

    public void ReleaseAckTimer() => Volatile.Write(ref _ackTimerClaimed, 0);

    /// <summary>Sends a bare acknowledgement (hop actor, when no reply carried one soon enough).</summary>
    public void SendAck()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var header = new MdpHeader(MdpPacketType.Ack, 0, 0, _receive.WireCumulative, (uint)_send.Base, _receive.AckBits(), 0, 0);
            _arrivalsSinceAck = 0;
            Interlocked.Increment(ref _counters.AcksSent);
            SendControl(MdpPacket.WriteData(_control, header, default));
        }
    }

    /// <summary>Retransmits what is overdue and gives up what has used its retries (hop actor); returns the datagrams still outstanding.</summary>
    public int RetransmitDue()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }

            var rto = (long)(Rto.TotalSeconds * _clock.TimestampFrequency);
            var givenUp = _send.CollectDue(_clock.GetTimestamp(), rto, _settings.HopRetries, _retransmit);
            if (givenUp > 0)
            {
                Interlocked.Add(ref _counters.GivenUp, givenUp);
            }

            return _send.Outstanding;
        }
    }

    /// <summary>Sends a signed hello: our key, incarnation and the oldest hop sequence number the neighbour should wait for.</summary>
    public void SendHello(bool replyWanted, uint incarnation, ReadOnlySpan<byte> publicKey)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            SendControl(MdpPacket.WriteHelloBody(_control, replyWanted, incarnation, (uint)_send.Base, publicKey));
        }
    }

    /// <summary>Tells the neighbour this end of the link is closing, so it frees its end now rather than at its link timeout.</summary>
    public void SendBye(uint incarnation)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            SendControl(MdpPacket.WriteByeBody(_control, incarnation, PeerIncarnation));
        }
    }

    /// <summary>The neighbour restarted (new incarnation in a verified hello): its hop sequence starts again.</summary>
    public void PeerRestarted(uint incarnation, uint nextSequence)
    {
        lock (_gate)
        {
            PeerIncarnation = incarnation;
            _receive.Reset(nextSequence);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;

            // Something (a flow an endpoint still holds) may keep the link object reachable for a while after it is
            // gone; its preallocated window (hop-window x mtu) should not stay with it.
            _send = new MdpSendWindow(4, 1, 0);
        }

        _sendMac.Dispose();
        _receiveMac.Dispose();
    }

    public override string ToString() => $"hop to {Peer.Abbreviated} at {RemoteEndPoint}";

    private void Retransmit(long sequence)
    {
        var slot = _send.Slot(sequence);
        var bodyLength = slot.Length - MdpPacket.MacSize;
        MdpPacket.WriteAck(slot, _receive.WireCumulative, (uint)_send.Base, _receive.AckBits());
        MdpLinkKeys.Sign(_sendMac, slot[..bodyLength], slot[bodyLength..]);
        Interlocked.Increment(ref _counters.Retransmissions);
        _recentRetransmitted++;
        SendRaw(slot);
    }

    private void UpdateRtt(double sample)
    {
        if (_srtt < 0)
        {
            _srtt = sample;
            _rttvar = sample / 2;
        }
        else
        {
            _rttvar = (0.75 * _rttvar) + (0.25 * Math.Abs(_srtt - sample));
            _srtt = (0.875 * _srtt) + (0.125 * sample);
        }
    }

    /// <summary>
    /// Sends a run that an <see cref="MdpSendBatch"/> gathered: <paramref name="count"/> datagrams of
    /// <paramref name="segmentSize"/> bytes (the last may be shorter), in one call where the kernel allows.
    /// </summary>
    internal void SendRun(ReadOnlySpan<byte> run, int segmentSize, int count)
    {
        if (count > 1)
        {
            var error = UdpOffload.SendSegments(Socket, Remote, run, segmentSize);
            if (error == SocketError.Success)
            {
                Interlocked.Add(ref _counters.DatagramsSent, count);
                Interlocked.Increment(ref _counters.SegmentedSends);
                return;
            }

            if (error is SocketError.InvalidArgument or SocketError.SocketError or SocketError.MessageSize)
            {
                // The route's device or the kernel cannot segment: one by one from now on, and this run too.
                Segmentation = false;
            }
        }

        for (var offset = 0; offset < run.Length; offset += segmentSize)
        {
            SendNow(run.Slice(offset, Math.Min(segmentSize, run.Length - offset)));
        }
    }

    /// <summary>Signs the body written at the start of the control buffer and sends it (caller holds the gate).</summary>
    private void SendControl(int bodyLength)
    {
        MdpLinkKeys.Sign(_sendMac, _control.AsSpan(0, bodyLength), _control.AsSpan(bodyLength, MdpPacket.MacSize));
        SendRaw(_control.AsSpan(0, bodyLength + MdpPacket.MacSize));
    }

    private void SendRaw(ReadOnlySpan<byte> datagram)
    {
        if (!MdpSendBatch.TryAdd(this, datagram))
        {
            SendNow(datagram);
        }
    }

    private void SendNow(ReadOnlySpan<byte> datagram)
    {
        try
        {
            Socket.SendTo(datagram, SocketFlags.None, Remote);
            Interlocked.Increment(ref _counters.DatagramsSent);
        }
        catch (SocketException)
        {
            // A full socket buffer or an ICMP error from an earlier datagram: the datagram is lost, as UDP allows.
            Interlocked.Increment(ref _counters.SendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _counters.SendErrors);
        }
    }
}
