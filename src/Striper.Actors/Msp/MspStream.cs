using System.Numerics;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Services;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Msp;

/// <summary>
/// One end of an MSP stream: a reliable, ordered sequence of messages over an unreliable <see cref="IDatagramLink"/>.
/// <para>
/// Sending: each message from the owner gets the next sequence number and stays in a ring until the peer's
/// cumulative ack covers it. What is sent is bounded by the peer's receive window and the congestion window
/// (<see cref="IMspCongestionControl"/>, BBR-like by default) and spread over the RTT by the <see cref="MspPacer"/>. A packet is declared
/// lost when packets sent at least <see cref="MspSettings.DuplicateThreshold"/> transmissions after it have arrived
/// (RACK-style, by transmission order, so lost retransmissions are caught too) or after as many duplicate acks; the
/// RTO (<see cref="MspRttEstimator"/>) covers the rest.
/// </para>
/// <para>
/// Receiving: packets within the advertised window wait in a reorder ring; whole messages go to the owner in order.
/// Delivered messages count against the window until the owner reports them <see cref="Consumed"/>, so a slow owner
/// closes the window and the sender stops. Every packet carries the cumulative ack, SACK blocks and a timestamp echo;
/// an ack is sent for every second in-order packet, at once for anything out of order, and otherwise once the
/// mailbox burst is handled (a self message instead of a timer: nothing waits longer than the burst).
/// </para>
/// <para>
/// The initiator flags its packets SYN until it hears from the peer, and sends data from the start (seed 001: first
/// data before the handshake). FIN takes the sequence number after the last message. The owner hears the states of
/// Serval's API: DataOut (with a send limit), ShutdownRemote, and Closed exactly once, with Error if it did not end
/// cleanly. A closed stream lingers briefly to acknowledge a retransmitted FIN, then stops.
/// </para>
/// </summary>
internal sealed partial class MspStream : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private const string RtoTimer = "rto";
    private const string PaceTimer = "pace";
    private const string HousekeepingTimer = "housekeeping";
    private const string LingerTimer = "linger";
    private const string ProbeTimer = "probe";
    private const int MaxTailProbes = 2;
    private const long MaxRttSampleMicroseconds = 60_000_000;
    private const int BurstAckEvery = 8;

    private readonly uint _streamId;
    private readonly bool _isInitiator;
    private readonly IDatagramLink _link;
    private readonly MspSettings _settings;
    private readonly byte[] _scratch;
    private readonly MspSackBlock[] _sackScratch = new MspSackBlock[MspPacket.MaxSackBlocks];
    private IActorRef _owner;

    // Sending side.
    private readonly int _sendRingMax;
    private MspSegment[] _ring;
    private long _ringMask;
    private readonly PriorityQueue<long, long> _lost = new();
    private readonly MspRttEstimator _rtt;
    private readonly IMspCongestionControl _congestion;
    private readonly MspDeliveryRate _rate = new();
    private readonly MspPacer _pacer;
    private long _una;
    private long _nextNew;
    private long _nextAssign;
    private long _sendRightEdge;
    private bool _finAcked;
    private bool _localShutdown;
    private int _pipe;
    private long _transmitCounter;
    private long _deliveredTransmitId;
    private int _duplicateAcks;
    private long _announcedLimit = -1;
    private long _rtoDeadline = -1;
    private long _rtoArmedFor = -1;
    private long _probeDeadline = -1;
    private long _probeArmedFor = -1;
    private int _tailProbes;
    private bool _heardAck;

    // Receiving side.
    private readonly MspReceiveBuffer _receive;
    private readonly int _receiveWindowMax;
    private long _windowProbeEnd = -1;
    private long _windowProbeStart;
    private long _windowProbeFastest = long.MaxValue;
    private int _unconsumed;
    private long _advertisedRightEdge;
    private long _remoteFinSequence = -1;
    private bool _remoteFinDelivered;
    private uint _timestampRecent;
    private long _latestArrival = -1;
    private int _unackedArrivals;
    private int _ackEvery = 2;
    private bool _flushQueued;

    // Life.
    private readonly long _epoch;
    private bool _heardFromPeer;
    private bool _closed;
    private long _lastReceived;
    private long _lastSent;

    // Counters.
    private long _packetsSent;
    private long _packetsReceived;
    private long _messagesSent;
    private long _bytesSent;
    private long _messagesDelivered;
    private long _retransmissions;
    private long _fastRetransmissions;
    private long _timeouts;
    private long _duplicatesReceived;
    private long _corruptDropped;
    private long _malformedDropped;
    private long _resetsSent;
    private long _tailProbesSent;

    public MspStream(uint streamId, bool isInitiator, IDatagramLink link, IActorRef owner, MspSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.MaxMessageSize, MspPacket.MaxPayloadLimit);
        _streamId = streamId;
        _isInitiator = isInitiator;
        _link = link;
        _owner = owner;
        _settings = settings;
        _scratch = new byte[MspPacket.HeaderSize + (MspPacket.MaxSackBlocks * MspPacket.SackBlockSize) + settings.MaxMessageSize + MspPacket.TrailerSize];
        _sendRingMax = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, settings.SendBufferMessages));
        var ringSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(settings.InitialSendBufferMessages, 4, _sendRingMax));
        _ring = new MspSegment[ringSize];
        _ringMask = ringSize - 1;
        _receiveWindowMax = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, settings.ReceiveWindowMessages));
        _receive = new MspReceiveBuffer(Math.Min(settings.InitialReceiveWindowMessages, _receiveWindowMax));
        _rtt = new MspRttEstimator(settings.InitialRto, settings.MinRto, settings.MaxRto);
        // The window stops at three quarters of the largest ring, so that a grown ring never binds before it: a stream
        // held back by its ring with nothing left to send looks application-limited, and BBR would never leave startup.
        _congestion = MspCongestionAlgorithms.Create(settings, Math.Max(4, _sendRingMax / 4 * 3), Clock, (int)streamId);
        _pacer = new MspPacer(settings.PacingBurst);
        _sendRightEdge = settings.InitialPeerWindow;
        _epoch = Clock.GetTimestamp();
        _lastReceived = _epoch;
        _lastSent = _epoch;

        Receive<Send>(OnSend);
        Receive<Consumed>(OnConsumed);
        Receive<Shutdown>(_ => OnShutdown());
        Receive<Abort>(_ => OnAbort());
        Receive<SetOwner>(OnSetOwner);
        Receive<DatagramReceived>(OnDatagram);
        Receive<PacketReceived>(m => OnPacket(m.Packet));
        // A link that carries only this stream may deliver its bursts here directly, skipping the endpoint.
        Receive<DatagramsReceived>(m => OnBurst(m.Datagrams, OnDatagram));
        Receive<PacketsReceived>(m => OnBurst(m.Packets, OnPacket));
        Receive<FlushAck>(_ => OnFlushAck());
        Receive<RetransmitTimeout>(_ => OnRetransmitTimeout());
        Receive<TailProbe>(_ => OnTailProbe());
        Receive<PaceTick>(_ => Pump());
        Receive<Housekeeping>(_ => OnHousekeeping());
        Receive<LingerOver>(_ => Context.Stop(Self));
        Receive<GetStats>(_ => Sender.Tell(Stats()));
        Receive<Terminated>(OnTerminated);
        Receive<LinkDown>(OnLinkDown);
    }

    /// <summary>
    /// A burst from the link: acknowledge every <see cref="BurstAckEvery"/> in-order packets and once at its end, as TCP
    /// does for a GRO-merged segment, instead of every second one: fewer ack datagrams, the same information.
    /// </summary>
    private void OnBurst<T>(IReadOnlyList<T> burst, Action<T> handle)
    {
        using var sending = _link.BeginBurst();
        _ackEvery = BurstAckEvery;
        for (var i = 0; i < burst.Count; i++)
        {
            handle(burst[i]);
        }

        _ackEvery = 2;
        if (_unackedArrivals > 0)
        {
            SendAck();
        }
    }

    public static Props Props(uint streamId, bool isInitiator, IDatagramLink link, IActorRef owner, MspSettings settings) =>
        Akka.Actor.Props.Create(() => new MspStream(streamId, isInitiator, link, owner, settings));

    private TimeProvider Clock { get; } = Context.Clock();

    /// <summary>How many messages the owner may have sent in all; one slot stays free for the FIN.</summary>
    private long SendLimit => _localShutdown || _closed ? _nextAssign : _una + _ring.Length - 1;

    private int ReceiveWindow => Math.Max(0, _receive.Capacity - _unconsumed);

    protected override void PreStart()
    {
        Context.Watch(_owner);
        var tick = Min(_settings.KeepaliveInterval, _settings.IdleTimeout) / 4;
        Timers.StartPeriodicTimer(HousekeepingTimer, Housekeeping.Instance, tick > TimeSpan.FromMilliseconds(10) ? tick : TimeSpan.FromMilliseconds(10));
        AnnounceSendLimit(force: true);
        if (_isInitiator)
        {
            // Data sent right after creation carries SYN itself; a bare SYN opens a stream whose owner is silent.
            Self.Tell(PaceTick.Instance);
        }
    }

    private void OnSend(Send message)
    {
        if (_closed || _localShutdown)
        {
            Sender.Tell(new SendRejected(_streamId, "the stream is shut down for sending"));
            return;
        }

        if (message.Payload.Length > _settings.MaxMessageSize)
        {
            Sender.Tell(new SendRejected(_streamId, $"a message of {message.Payload.Length} bytes exceeds the maximum of {_settings.MaxMessageSize}"));
            return;
        }

        if (_nextAssign >= SendLimit)
        {
            Sender.Tell(new SendRejected(_streamId, $"over the send limit {SendLimit}"));
            return;
        }

        _ring[_nextAssign & _ringMask] = new MspSegment { Payload = message.Payload };
        _nextAssign++;
        _messagesSent++;
        _bytesSent += message.Payload.Length;
        Pump();
    }

    private void OnShutdown()
    {
        if (_closed || _localShutdown)
        {
            return;
        }

        _localShutdown = true;
        _ring[_nextAssign & _ringMask] = new MspSegment { IsFin = true };
        _nextAssign++;
        Pump();
    }

    private void OnAbort()
    {
        if (_closed)
        {
            return;
        }

        SendReset(MspResetReason.Aborted);
        Finish(MspState.Closed, null, linger: false);
    }

    private void OnSetOwner(SetOwner message)
    {
        Context.Unwatch(_owner);
        _owner = message.Owner;
        Context.Watch(_owner);
        AnnounceSendLimit(force: true);
    }

    private void OnTerminated(Terminated message)
    {
        if (ReferenceEquals(message.ActorRef, _owner) && !_closed)
        {
            Context.Logger().LogDebug("MSP stream {StreamId}: owner stopped, resetting the stream", _streamId);
            SendReset(MspResetReason.Aborted);
            Finish(MspState.Closed | MspState.Error, "the owner stopped", linger: false);
        }
    }

    private void OnLinkDown(LinkDown message)
    {
        // No RST: the link would not carry it. The peer's end learns the same from its own node, or idles out.
        if (!_closed)
        {
            Finish(MspState.Closed | MspState.Error, message.Reason, linger: false);
        }
    }

    private void OnConsumed(Consumed message)
    {
        _unconsumed = Math.Max(0, _unconsumed - message.Count);

        // A window update is worth a packet when the sender may be waiting for it: the edge moved by a quarter.
        if (!_closed && _receive.Next + ReceiveWindow - _advertisedRightEdge >= Math.Max(1, _receive.Capacity / 4))
        {
            SendAck();
        }
    }

    private void OnHousekeeping()
    {
        if (_closed)
        {
            return;
        }

        var now = Clock.GetTimestamp();
        if (Clock.GetElapsedTime(_lastReceived, now) >= _settings.IdleTimeout)
        {
            SendReset(MspResetReason.IdleTimeout);
            Finish(MspState.Closed | MspState.Error, $"nothing heard from the peer for {_settings.IdleTimeout.TotalSeconds:0.###} s", linger: false);
            return;
        }

        if (_heardFromPeer && Clock.GetElapsedTime(_lastSent, now) >= _settings.KeepaliveInterval)
        {
            SendControl(MspFlags.Keepalive, now);
        }
    }

    private void CheckFinished()
    {
        if (_closed || !_finAcked || !_remoteFinDelivered)
        {
            return;
        }

        Finish(MspState.Closed | MspState.ShutdownRemote, null, linger: true);
    }

    /// <summary>Reports Closed once. A clean close lingers to acknowledge retransmissions; anything else stops at once.</summary>
    private void Finish(MspState state, string? reason, bool linger)
    {
        _closed = true;
        _owner.Tell(new StateChanged(_streamId, state, _nextAssign, reason), Self);
        Timers.Cancel(RtoTimer);
        Timers.Cancel(PaceTimer);
        Timers.Cancel(ProbeTimer);
        Timers.Cancel(HousekeepingTimer);
        if (reason is not null)
        {
            Context.Logger().LogDebug("MSP stream {StreamId} closed: {Reason}", _streamId, reason);
        }

        Context.Logger().LogDebug("MSP stream {StreamId} ends with {Stats}", _streamId, Stats());

        if (linger)
        {
            Timers.StartSingleTimer(LingerTimer, LingerOver.Instance, _settings.Linger);
        }
        else
        {
            Context.Stop(Self);
        }
    }

    private MspState CurrentState()
    {
        var state = MspState.None;
        if (!_localShutdown && !_closed)
        {
            state |= MspState.DataOut;
        }

        if (_remoteFinDelivered)
        {
            state |= MspState.ShutdownRemote;
        }

        return state;
    }

    private void AnnounceSendLimit(bool force)
    {
        if (_closed || _localShutdown)
        {
            return;
        }

        var limit = SendLimit;
        if (force || limit - _announcedLimit >= Math.Max(1, _ring.Length / 16))
        {
            _announcedLimit = limit;
            _owner.Tell(new StateChanged(_streamId, CurrentState(), limit, null), Self);
        }
    }

    private MspStats Stats()
    {
        var meanSize = _messagesSent == 0 ? 0 : (double)_bytesSent / _messagesSent;
        var pacing = _settings.Pacing ? _congestion.PacingRate(_rtt) : double.PositiveInfinity;
        return new()
        {
            PacketsSent = _packetsSent,
            PacketsReceived = _packetsReceived,
            MessagesSent = _messagesSent,
            MessagesDelivered = _messagesDelivered,
            Retransmissions = _retransmissions,
            FastRetransmissions = _fastRetransmissions,
            Timeouts = _timeouts,
            TailProbes = _tailProbesSent,
            DuplicatesReceived = _duplicatesReceived,
            CorruptDropped = _corruptDropped,
            MalformedDropped = _malformedDropped,
            ResetsSent = _resetsSent,
            CongestionWindow = _congestion.Window,
            CongestionControl = MspCongestionAlgorithms.Name(_congestion.Algorithm),
            CongestionPhase = _congestion.Phase,
            EstimatedBandwidth = _congestion.Bandwidth,
            EstimatedBandwidthBytes = _congestion.Bandwidth * meanSize,
            PacingRate = pacing,
            PacingRateBytes = double.IsFinite(pacing) ? pacing * meanSize : pacing,
            LossRate = _congestion.LossRate,
            MinRtt = _rtt.MinRtt,
            SendBufferSlots = _ring.Length,
            ReceiveBufferSlots = _receive.Capacity,
            SmoothedRtt = _rtt.SmoothedRtt,
            Rto = _rtt.Rto,
            SendState = $"una={_una} next={_nextNew} assigned={_nextAssign} edge={_sendRightEdge} pipe={_pipe} lost={_lost.Count} finAcked={_finAcked} rto-due={_rtoDeadline >= 0}",
            ReceiveState = $"next={_receive.Next} high={_receive.High} unconsumed={_unconsumed} finDelivered={_remoteFinDelivered} closed={_closed}",
        };
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
