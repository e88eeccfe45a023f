using System.Numerics;
using Microsoft.Extensions.Logging;
using Striper.Actors.Runtime;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Msp;

/// <summary>
/// One end of an MSP stream: a reliable, ordered sequence of messages over an unreliable <see cref="IDatagramLink"/>.
/// <para>
/// Sending: each message from the owner gets the next sequence number and stays in a ring until the peer's
/// cumulative ack covers it. What is sent is bounded by the peer's receive window and the congestion window
/// (<see cref="MspCongestionControl"/>) and spread over the RTT by the <see cref="MspPacer"/>. A packet is declared
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
internal sealed class MspStream : ReceiveActor
{
    private const string RtoTimer = "rto";
    private const string PaceTimer = "pace";
    private const string HousekeepingTimer = "housekeeping";
    private const string LingerTimer = "linger";
    private const string ProbeTimer = "probe";
    private const int MaxTailProbes = 2;
    private const long MaxRttSampleMicroseconds = 60_000_000;

    private readonly uint _streamId;
    private readonly bool _isInitiator;
    private readonly IDatagramLink _link;
    private readonly MspSettings _settings;
    private readonly byte[] _scratch;
    private readonly MspSackBlock[] _sackScratch = new MspSackBlock[MspPacket.MaxSackBlocks];
    private IActorRef _owner;

    // Sending side.
    private readonly MspSegment[] _ring;
    private readonly long _ringMask;
    private readonly PriorityQueue<long, long> _lost = new();
    private readonly MspRttEstimator _rtt;
    private readonly MspCongestionControl _congestion;
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
    private int _unconsumed;
    private long _advertisedRightEdge;
    private long _remoteFinSequence = -1;
    private bool _remoteFinDelivered;
    private uint _timestampRecent;
    private long _latestArrival = -1;
    private int _unackedArrivals;
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
        var ringSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, settings.SendBufferMessages));
        _ring = new MspSegment[ringSize];
        _ringMask = ringSize - 1;
        _receive = new MspReceiveBuffer(settings.ReceiveWindowMessages);
        _rtt = new MspRttEstimator(settings.InitialRto, settings.MinRto, settings.MaxRto);
        _congestion = new MspCongestionControl(settings.InitialCongestionWindow, settings.MinCongestionWindow, ringSize);
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
        Receive<FlushAck>(_ => OnFlushAck());
        Receive<RetransmitTimeout>(_ => OnRetransmitTimeout());
        Receive<TailProbe>(_ => OnTailProbe());
        Receive<PaceTick>(_ => Pump());
        Receive<Housekeeping>(_ => OnHousekeeping());
        Receive<LingerOver>(_ => Context.Stop(Self));
        Receive<GetStats>(_ => Sender.Tell(Stats()));
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(uint streamId, bool isInitiator, IDatagramLink link, IActorRef owner, MspSettings settings) =>
        Runtime.Props.Create(() => new MspStream(streamId, isInitiator, link, owner, settings));

    private TimeProvider Clock => Context.System.TimeProvider;

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
            Context.Log.LogDebug("MSP stream {StreamId}: owner stopped, resetting the stream", _streamId);
            SendReset(MspResetReason.Aborted);
            Finish(MspState.Closed | MspState.Error, "the owner stopped", linger: false);
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

    private void OnDatagram(DatagramReceived message)
    {
        var error = MspPacket.TryParse(message.Datagram, _settings.MaxMessageSize, out var packet);
        if (packet is null)
        {
            if (error == MspParseError.BadChecksum)
            {
                _corruptDropped++;
            }
            else
            {
                _malformedDropped++;
            }

            return;
        }

        if (packet.StreamId != _streamId)
        {
            _malformedDropped++;
            return;
        }

        OnPacket(packet);
    }

    private void OnPacket(MspPacket packet)
    {
        // The initiator bit says which end sent it; a packet claiming to come from our own role is not for us.
        if (packet.Has(MspFlags.FromInitiator) == _isInitiator)
        {
            _malformedDropped++;
            return;
        }

        var now = Clock.GetTimestamp();
        _packetsReceived++;
        _lastReceived = now;
        if (packet.Has(MspFlags.Rst))
        {
            if (!_closed)
            {
                Finish(MspState.Closed | MspState.Error, $"reset by the peer ({packet.ResetReason})", linger: false);
            }

            return;
        }

        _heardFromPeer = true;
        if (packet.Has(MspFlags.Ack))
        {
            OnAckFields(packet, now);
        }

        if (packet.Has(MspFlags.Data) || packet.Has(MspFlags.Fin))
        {
            OnIncomingSequence(packet);
        }
        else if (packet.Has(MspFlags.Keepalive) || packet.Has(MspFlags.Syn))
        {
            // A keepalive, a zero-window probe or a bare SYN wants an answer now.
            SendAck();
        }

        CheckFinished();
        Pump();
    }

    private void OnAckFields(MspPacket packet, long now)
    {
        var cumulative = MspSequence.Unwrap(packet.CumulativeAck, _una);
        if (cumulative > _nextNew || cumulative < _una - _ring.Length)
        {
            // Acknowledges what was never sent (or is absurdly old): ignore the ack fields, keep the rest.
            return;
        }

        var delivered = 0;
        var progressed = false;
        var newestTransmit = _deliveredTransmitId;
        for (var s = _una; s < cumulative; s++)
        {
            ref var segment = ref _ring[s & _ringMask];
            if (!segment.Sacked)
            {
                delivered++;
            }

            if (segment.InFlight)
            {
                _pipe--;
            }

            if (segment.IsFin)
            {
                _finAcked = true;
            }

            newestTransmit = Math.Max(newestTransmit, segment.TransmitId);
            segment = default;
        }

        if (cumulative > _una)
        {
            _una = cumulative;
            progressed = true;
            _duplicateAcks = 0;
        }

        foreach (var block in packet.SackBlocks)
        {
            var start = Math.Max(_una, MspSequence.Unwrap(block.Start, _una));
            var end = Math.Min(_nextNew, MspSequence.Unwrap(block.End, _una));
            for (var s = start; s < end; s++)
            {
                ref var segment = ref _ring[s & _ringMask];
                if (segment.Sacked || segment.Transmissions == 0)
                {
                    continue;
                }

                segment.Sacked = true;
                segment.Lost = false;
                delivered++;
                if (segment.InFlight)
                {
                    segment.InFlight = false;
                    _pipe--;
                }

                newestTransmit = Math.Max(newestTransmit, segment.TransmitId);
            }
        }

        // The receiver never moves its right edge back, so the larger edge is the newer one (acks may be reordered).
        var edge = cumulative + Math.Min(packet.Window, (uint)_ring.Length);
        if (!_heardAck || edge > _sendRightEdge)
        {
            _sendRightEdge = edge;
        }

        _heardAck = true;

        if (packet.TimestampEcho != 0 && delivered > 0)
        {
            var micros = (long)(uint)(Now32(now) - packet.TimestampEcho);
            if (micros <= MaxRttSampleMicroseconds)
            {
                _rtt.OnSample(TimeSpan.FromTicks(micros * 10), now, Clock);
            }
        }

        if (!progressed && !packet.Has(MspFlags.Data) && !packet.Has(MspFlags.Fin) && _una < _nextNew)
        {
            _duplicateAcks++;
        }

        _congestion.OnDelivered(delivered, _una, now, Clock, _rtt);
        if (delivered > 0)
        {
            _tailProbes = 0;
            ArmProbe(now, restart: true);
        }

        if (newestTransmit > _deliveredTransmitId)
        {
            _deliveredTransmitId = newestTransmit;
            DetectLosses();
        }

        if (_duplicateAcks >= _settings.DuplicateThreshold && _una < _nextNew)
        {
            // Classic fast retransmit, once per segment; later losses of it are RACK's or the RTO's to find.
            ref var first = ref _ring[_una & _ringMask];
            if (first.InFlight && !first.Sacked && first.Transmissions == 1)
            {
                MarkLost(_una);
            }

            _duplicateAcks = 0;
        }

        if (_una == _nextNew)
        {
            // Nothing outstanding (e.g. the answer to a bare SYN): no retransmission is due.
            _rtoDeadline = -1;
            _probeDeadline = -1;
        }

        if (progressed)
        {
            if (_una < _nextNew)
            {
                ArmRto(now, restart: true);
            }
            else
            {
                _rtoDeadline = -1;
            }

            AnnounceSendLimit(force: false);
        }
    }

    /// <summary>
    /// A segment is lost once a segment sent <see cref="MspSettings.DuplicateThreshold"/> transmissions later has arrived.
    /// Fresh segments are transmitted in sequence order, so the scan stops at the first fresh one that is too recent.
    /// </summary>
    private void DetectLosses()
    {
        // With fewer packets outstanding than the threshold needs, one later arrival must do (early retransmit, RFC 5827).
        var outstanding = _nextNew - _una;
        var reordering = outstanding <= _settings.DuplicateThreshold ? 1 : _settings.DuplicateThreshold;
        var threshold = _deliveredTransmitId - reordering;
        for (var s = _una; s < _nextNew; s++)
        {
            ref var segment = ref _ring[s & _ringMask];
            if (segment.TransmitId > threshold)
            {
                if (segment.Transmissions == 1)
                {
                    break;
                }

                continue;
            }

            if (segment.InFlight && !segment.Sacked)
            {
                MarkLost(s);
            }
        }
    }

    private void MarkLost(long sequence)
    {
        ref var segment = ref _ring[sequence & _ringMask];
        segment.Lost = true;
        if (segment.InFlight)
        {
            segment.InFlight = false;
            _pipe--;
        }

        _lost.Enqueue(sequence, sequence);
        _fastRetransmissions++;
        _congestion.OnLoss(_nextNew - 1, _rtt);
    }

    private void OnIncomingSequence(MspPacket packet)
    {
        var isFin = packet.Has(MspFlags.Fin);
        var sequence = MspSequence.Unwrap(packet.Sequence, _receive.Next);
        if (packet.Timestamp != 0)
        {
            _timestampRecent = packet.Timestamp;
        }

        if (sequence < _receive.Next || _receive.Contains(sequence))
        {
            _duplicatesReceived++;
            SendAck();
            return;
        }

        var beyondFin = _remoteFinSequence >= 0 && (sequence > _remoteFinSequence || (isFin && sequence != _remoteFinSequence));
        if (sequence >= _receive.Next + ReceiveWindow || beyondFin)
        {
            // Outside the window (or contradicting the FIN): drop it and tell the sender where the window is.
            SendAck();
            return;
        }

        if (isFin)
        {
            _remoteFinSequence = sequence;
        }

        _receive.Store(sequence, isFin, packet.Payload);
        _latestArrival = sequence;
        var inOrder = sequence == _receive.Next;
        var filledGap = inOrder && _receive.High > sequence + 1;
        if (inOrder)
        {
            DeliverInOrder();
        }

        if (!inOrder || filledGap || isFin || _receive.HasGaps)
        {
            SendAck();
            return;
        }

        if (++_unackedArrivals >= 2)
        {
            SendAck();
        }
        else if (!_flushQueued)
        {
            _flushQueued = true;
            Self.Tell(FlushAck.Instance);
        }
    }

    private void DeliverInOrder()
    {
        while (_receive.TryTakeNext(out var payload, out var isFin))
        {
            if (isFin)
            {
                _remoteFinDelivered = true;
                if (!_closed)
                {
                    _owner.Tell(new StateChanged(_streamId, CurrentState(), SendLimit, null), Self);
                }

                continue;
            }

            _unconsumed++;
            _messagesDelivered++;
            if (!_closed)
            {
                _owner.Tell(new Received(_streamId, payload), Self);
            }
        }
    }

    private void OnFlushAck()
    {
        _flushQueued = false;
        if (_unackedArrivals > 0)
        {
            SendAck();
        }
    }

    /// <summary>Sends what the windows and the pacer allow: declared losses first, then new messages.</summary>
    private void Pump()
    {
        if (_closed)
        {
            return;
        }

        var now = Clock.GetTimestamp();
        var sentAny = false;
        while (true)
        {
            var retransmit = NextLost();
            var hasNew = _nextNew < _nextAssign && _nextNew < _sendRightEdge;
            if (retransmit < 0 && !hasNew)
            {
                break;
            }

            if (_pipe >= (int)_congestion.Window)
            {
                break;
            }

            if (_settings.Pacing)
            {
                var rate = _congestion.PacingRate(_rtt);
                if (!_pacer.TryTake(rate, now, Clock))
                {
                    if (!Timers.IsTimerActive(PaceTimer))
                    {
                        Timers.StartSingleTimer(PaceTimer, PaceTick.Instance, _pacer.DelayForNext(rate));
                    }

                    break;
                }
            }

            if (retransmit >= 0)
            {
                _lost.Dequeue();
                _retransmissions++;
                Transmit(retransmit, now);
            }
            else
            {
                Transmit(_nextNew++, now);
            }

            sentAny = true;
        }

        if (!sentAny && _isInitiator && !_heardFromPeer && _nextAssign == 0 && _packetsSent == 0)
        {
            // Nothing to say yet: open the stream with a bare SYN so the peer exists before the first message.
            SendControl(MspFlags.None, now);
            ArmRto(now, restart: false);
        }
        else if (_nextNew < _nextAssign && _una == _nextNew)
        {
            // Data waits for the peer's window: the RTO doubles as the persist timer that probes it.
            ArmRto(now, restart: false);
        }
    }

    /// <summary>The lowest sequence number still waiting for retransmission, or -1.</summary>
    private long NextLost()
    {
        while (_lost.TryPeek(out var sequence, out _))
        {
            if (sequence >= _una && sequence < _nextNew && _ring[sequence & _ringMask].Lost)
            {
                return sequence;
            }

            _lost.Dequeue();
        }

        return -1;
    }

    private void Transmit(long sequence, long now)
    {
        ref var segment = ref _ring[sequence & _ringMask];
        segment.TransmitId = ++_transmitCounter;
        segment.Transmissions++;
        segment.Lost = false;
        if (!segment.InFlight)
        {
            segment.InFlight = true;
            _pipe++;
        }

        var flags = segment.IsFin ? MspFlags.Fin : MspFlags.Data;
        SendPacket(flags, sequence, segment.Payload, MspResetReason.None, now);
        ArmRto(now, restart: false);
        ArmProbe(now, restart: false);
    }

    private void OnRetransmitTimeout()
    {
        if (_rtoDeadline < 0 || _closed)
        {
            _rtoArmedFor = -1;
            return;
        }

        var now = Clock.GetTimestamp();
        if (now < _rtoDeadline)
        {
            _rtoArmedFor = _rtoDeadline;
            Timers.StartSingleTimer(RtoTimer, RetransmitTimeout.Instance, Clock.GetElapsedTime(now, _rtoDeadline));
            return;
        }

        _rtoDeadline = -1;
        _rtoArmedFor = -1;
        _rtt.OnTimeout();
        if (_una < _nextNew)
        {
            _timeouts++;
            _congestion.OnTimeout(_nextNew - 1, _rtt);
            for (var s = _una; s < _nextNew; s++)
            {
                ref var segment = ref _ring[s & _ringMask];
                if (!segment.Sacked && !segment.Lost)
                {
                    segment.Lost = true;
                    if (segment.InFlight)
                    {
                        segment.InFlight = false;
                        _pipe--;
                    }

                    _lost.Enqueue(s, s);
                }
            }

            Pump();
        }
        else if (!_heardFromPeer && _isInitiator)
        {
            SendControl(MspFlags.None, now);
        }
        else if (_nextNew < _nextAssign)
        {
            SendControl(MspFlags.Keepalive, now);
        }

        if (_una < _nextNew || (!_heardFromPeer && _isInitiator) || _nextNew < _nextAssign)
        {
            ArmRto(now, restart: false);
        }
    }

    /// <summary>
    /// One timer serves the RTO: the deadline moves freely and the timer is restarted only when it must fire earlier,
    /// so acks (which push the deadline later) create no timers.
    /// </summary>
    private void ArmRto(long now, bool restart)
    {
        if (_rtoDeadline >= 0 && !restart)
        {
            return;
        }

        var rto = _rtt.Rto;
        _rtoDeadline = now + (long)(rto.TotalSeconds * Clock.TimestampFrequency);
        if (_rtoArmedFor < 0 || _rtoArmedFor > _rtoDeadline || !Timers.IsTimerActive(RtoTimer))
        {
            _rtoArmedFor = _rtoDeadline;
            Timers.StartSingleTimer(RtoTimer, RetransmitTimeout.Instance, rto);
        }
    }

    /// <summary>
    /// Tail loss probe (after RFC 8985): when nothing has been acknowledged for about two RTTs, send one packet (new data
    /// if allowed, else the highest one not yet SACKed) regardless of the congestion window. Its ack carries SACK
    /// information, so a lost tail is repaired by the normal loss detection instead of waiting for the RTO, which
    /// would also collapse the window. On loopback the RTT is microseconds and the RTO floor milliseconds, so without
    /// probes a lossy small window spends most of its time waiting.
    /// </summary>
    private void OnTailProbe()
    {
        if (_probeDeadline < 0 || _closed)
        {
            _probeArmedFor = -1;
            return;
        }

        var now = Clock.GetTimestamp();
        if (now < _probeDeadline)
        {
            _probeArmedFor = _probeDeadline;
            Timers.StartSingleTimer(ProbeTimer, TailProbe.Instance, Clock.GetElapsedTime(now, _probeDeadline));
            return;
        }

        _probeDeadline = -1;
        _probeArmedFor = -1;
        if (_una >= _nextNew || _tailProbes >= MaxTailProbes)
        {
            return;
        }

        _tailProbes++;
        _tailProbesSent++;
        if (_nextNew < _nextAssign && _nextNew < _sendRightEdge)
        {
            Transmit(_nextNew++, now);
        }
        else
        {
            for (var s = _nextNew - 1; s >= _una; s--)
            {
                if (!_ring[s & _ringMask].Sacked)
                {
                    _retransmissions++;
                    Transmit(s, now);
                    break;
                }
            }
        }

        ArmProbe(now, restart: true);
    }

    private void ArmProbe(long now, bool restart)
    {
        if (!_rtt.HasSample || _una >= _nextNew || _tailProbes >= MaxTailProbes || (_probeDeadline >= 0 && !restart))
        {
            return;
        }

        var pto = (_rtt.SmoothedRtt * 2) + _settings.MinProbeTimeout;
        var rto = _rtt.Rto;
        if (pto > rto)
        {
            return;
        }

        _probeDeadline = now + (long)(pto.TotalSeconds * Clock.TimestampFrequency);
        if (_probeArmedFor < 0 || _probeArmedFor > _probeDeadline || !Timers.IsTimerActive(ProbeTimer))
        {
            _probeArmedFor = _probeDeadline;
            Timers.StartSingleTimer(ProbeTimer, TailProbe.Instance, pto);
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
            Context.Log.LogDebug("MSP stream {StreamId} closed: {Reason}", _streamId, reason);
        }

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

    private void SendAck() => SendControl(MspFlags.None, Clock.GetTimestamp());

    private void SendControl(MspFlags extra, long now) =>
        SendPacket(extra, _nextNew, ReadOnlyMemory<byte>.Empty, MspResetReason.None, now);

    private void SendReset(MspResetReason reason)
    {
        _resetsSent++;
        SendPacket(MspFlags.Rst, _nextNew, ReadOnlyMemory<byte>.Empty, reason, Clock.GetTimestamp());
    }

    private void SendPacket(MspFlags flags, long sequence, ReadOnlyMemory<byte> payload, MspResetReason reason, long now)
    {
        if (_isInitiator)
        {
            flags |= MspFlags.FromInitiator;
            if (!_heardFromPeer)
            {
                flags |= MspFlags.Syn;
            }
        }

        var sackCount = 0;
        if (_heardFromPeer)
        {
            flags |= MspFlags.Ack;
            sackCount = _receive.FillSackBlocks(_latestArrival, _sackScratch);
        }

        var window = ReceiveWindow;
        var packet = new MspPacket
        {
            Flags = flags,
            ResetReason = reason,
            StreamId = _streamId,
            Sequence = MspSequence.ToWire(sequence),
            CumulativeAck = MspSequence.ToWire(_receive.Next),
            Window = (uint)window,
            Timestamp = Now32(now),
            TimestampEcho = _timestampRecent,
            SackBlocks = sackCount == 0 ? [] : _sackScratch[..sackCount],
            Payload = payload,
        };
        var length = packet.Write(_scratch);
        _link.Send(_scratch.AsMemory(0, length));
        _packetsSent++;
        _lastSent = now;
        _advertisedRightEdge = _receive.Next + window;
        _unackedArrivals = 0;
    }

    private uint Now32(long now)
    {
        var micros = (uint)(Clock.GetElapsedTime(_epoch, now).Ticks / 10);
        return micros == 0 ? 1 : micros;
    }

    private MspStats Stats() => new()
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
        SmoothedRtt = _rtt.SmoothedRtt,
        Rto = _rtt.Rto,
        SendState = $"una={_una} next={_nextNew} assigned={_nextAssign} edge={_sendRightEdge} pipe={_pipe} lost={_lost.Count} finAcked={_finAcked} rto-due={_rtoDeadline >= 0}",
        ReceiveState = $"next={_receive.Next} high={_receive.High} unconsumed={_unconsumed} finDelivered={_remoteFinDelivered} closed={_closed}",
    };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
