using Akka.Actor;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Msp;

/// <summary>MspStream, receiving side: incoming packets, the reorder buffer, in-order delivery and acknowledgements.</summary>
internal sealed partial class MspStream
{
    private void OnDatagram(DatagramReceived message) => OnDatagram(message.Datagram);

    private void OnDatagram(ReadOnlyMemory<byte> datagram)
    {
        var error = MspPacket.TryParse(datagram, _settings.MaxMessageSize, out var packet);
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
        if (_advertisedRightEdge > 0 && sequence + 1 >= _advertisedRightEdge && _unconsumed <= _receive.Capacity / 4 && _receive.Capacity < _receiveWindowMax)
        {
            // The sender went as far as this end let it while the owner keeps up: a hole holds the window's left edge
            // (a loss being repaired), and the window is too small to keep the path busy until the repair arrives.
            _receive.Grow(_receive.Capacity * 2);
        }

        var inOrder = sequence == _receive.Next;
        var filledGap = inOrder && _receive.High > sequence + 1;
        if (inOrder)
        {
            DeliverInOrder();
            SizeReceiveWindow();
        }

        if (!inOrder || filledGap || isFin || _receive.HasGaps)
        {
            SendAck();
            return;
        }

        if (++_unackedArrivals >= _ackEvery)
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

    /// <summary>
    /// Receive-window autotuning from this side alone, after Linux's (tcp_rcv_rtt_measure, tcp_rcv_space_adjust), for a
    /// path without loss (with loss, the sender reaching the advertised edge grows it, see OnIncomingSequence): time
    /// how long one whole window takes to be delivered in order. That can never take less than a round trip, since the
    /// sender may not pass the edge this end advertised; it takes about one only when this window is what holds the
    /// sender back and the owner keeps up (unconsumed messages narrow the window, so a whole one cannot arrive in a
    /// round trip then). So the window doubles, up to receive-window, whenever a window's delivery took at most 1.5 x
    /// the fastest one before it (or the stream's own min RTT, when it sends data too). A steady trickle can pass that
    /// test once (its first two windows take as long), never twice; an idle stream measures nothing.
    /// </summary>
    private void SizeReceiveWindow()
    {
        if (_receive.Capacity >= _receiveWindowMax)
        {
            return;
        }

        if (_windowProbeEnd >= 0 && _receive.Next < _windowProbeEnd)
        {
            return;
        }

        var now = Clock.GetTimestamp();
        if (_windowProbeEnd >= 0)
        {
            var took = now - _windowProbeStart;
            var fastest = _windowProbeFastest;
            _windowProbeFastest = Math.Min(_windowProbeFastest, took);
            if (_rtt.HasSample)
            {
                fastest = Math.Min(fastest, (long)(_rtt.MinRtt.TotalSeconds * Clock.TimestampFrequency));
            }

            if (fastest != long.MaxValue && took * 2 <= fastest * 3)
            {
                _receive.Grow(Math.Min(_receive.Capacity * 2, _receiveWindowMax));
            }
        }

        _windowProbeEnd = _receive.Next + _receive.Capacity;
        _windowProbeStart = now;
    }

    private void OnFlushAck()
    {
        _flushQueued = false;
        if (_unackedArrivals > 0)
        {
            SendAck();
        }
    }
}
