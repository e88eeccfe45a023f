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

    private void OnFlushAck()
    {
        _flushQueued = false;
        if (_unackedArrivals > 0)
        {
            SendAck();
        }
    }
}
