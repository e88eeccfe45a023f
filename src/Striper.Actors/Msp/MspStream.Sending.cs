using System.Numerics;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Msp;

/// <summary>MspStream, sending side: acknowledgement processing, loss detection, pacing, retransmission timers and packet output.</summary>
internal sealed partial class MspStream
{
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
        _rate.BeginAck();
        for (var s = _una; s < cumulative; s++)
        {
            ref var segment = ref _ring[s & _ringMask];
            if (!segment.Sacked)
            {
                delivered++;
                _rate.OnDelivered(segment, now);
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
                _rate.OnDelivered(segment, now);
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

        var rttSample = TimeSpan.Zero;
        if (packet.TimestampEcho != 0 && delivered > 0)
        {
            var micros = (long)(uint)(Now32(now) - packet.TimestampEcho);
            if (micros <= MaxRttSampleMicroseconds)
            {
                rttSample = TimeSpan.FromTicks(micros * 10);
                _rtt.OnSample(rttSample, now, Clock);
            }
        }

        if (!progressed && !packet.Has(MspFlags.Data) && !packet.Has(MspFlags.Fin) && _una < _nextNew)
        {
            _duplicateAcks++;
        }

        var (rate, appLimited, priorDelivered) = _rate.EndAck(_rtt.MinRtt, Clock.TimestampFrequency);
        _congestion.OnAck(new MspAckSample(now, delivered, _una, _rate.Delivered, rate, appLimited, priorDelivered, rttSample, _pipe), _rtt);
        if (delivered > 0)
        {
            SizeSendRing();
        }

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
    /// Send-ring autotuning: the ring (everything the owner may have handed over and the peer not acknowledged) follows
    /// 2.5 times the congestion control's bandwidth-delay product (BBR's 2 BDP in flight, and a quarter more for the
    /// owner's refill and the FIN), a power of two up to send-buffer, and never shrinks.
    /// While the ring is what holds the stream back, the delivery rate is about ring/RTT, so the ring doubles each round
    /// trip like a startup until the path, not the ring, is the limit. An idle or slow stream measures only its own
    /// rate and keeps its small ring: the bandwidth filter counts application-limited samples only when they raise it.
    /// </summary>
    private void SizeSendRing()
    {
        if (_ring.Length >= _sendRingMax)
        {
            return;
        }

        var wanted = 2.5 * _congestion.Bandwidth * _rtt.MinRtt.TotalSeconds;
        if (wanted < _ring.Length)
        {
            return;
        }

        var size = (int)Math.Min(_sendRingMax, BitOperations.RoundUpToPowerOf2((uint)Math.Min(wanted + 1, _sendRingMax)));
        var ring = new MspSegment[size];
        var mask = size - 1L;
        for (var s = _una; s < _nextAssign; s++)
        {
            ring[s & mask] = _ring[s & _ringMask];
        }

        _ring = ring;
        _ringMask = mask;
        AnnounceSendLimit(force: false);
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
        var inFlight = _pipe;
        if (segment.InFlight)
        {
            segment.InFlight = false;
            _pipe--;
        }

        _lost.Enqueue(sequence, sequence);
        _fastRetransmissions++;
        _congestion.OnPacketLost(_nextNew - 1, inFlight, _rtt);
    }

    /// <summary>Sends what the windows and the pacer allow: declared losses first, then new messages.</summary>
    private void Pump()
    {
        if (_closed)
        {
            return;
        }

        using var burst = _link.BeginBurst();
        var now = Clock.GetTimestamp();
        var sentAny = false;
        while (true)
        {
            var retransmit = NextLost();
            var hasNew = _nextNew < _nextAssign && _nextNew < _sendRightEdge;
            if (retransmit < 0 && !hasNew)
            {
                // Nothing to send (or the peer's window is shut) with room in the window: the delivery rate measured
                // from here on is the application's, not the path's.
                if (_pipe < (int)_congestion.Window)
                {
                    _rate.MarkAppLimited(_pipe);
                }

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
        _rate.OnSent(ref segment, now, _pipe);
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
}
