using System.Collections.Concurrent;
using Akka.Actor;
using Striper.Actors.Msp;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>
/// One neighbour link's actor: the timers of the link. Arriving datagrams are checked and delivered by the socket's
/// receive loop through <see cref="Deliver"/> (MAC, hop acknowledgement, duplicates; delivery at once, in arrival
/// order, to the flow's receiver or the port's handler: no head-of-line blocking). The actor sends the delayed
/// acknowledgement <see cref="MdpSettings.AckDelay"/> after a burst when no reply carried one (the loop acks itself
/// after every <see cref="AckEvery"/> arrivals), and retransmits overdue datagrams on a timer that runs only while
/// some are outstanding. It owns the link and disposes it when it stops.
/// </summary>
internal sealed class MdpHop : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private const int AckEvery = 16;
    private const string AckTimer = "ack";
    private const string RetransmitTimer = "retransmit";

    private readonly MdpHopLink _link;
    private readonly ConcurrentDictionary<int, IActorRef> _bindings;
    private readonly MdpCounters _counters;
    private readonly MdpSettings _settings;
    private bool _ackDue;

    public MdpHop(MdpHopLink link, ConcurrentDictionary<int, IActorRef> bindings, MdpCounters counters, MdpSettings settings)
    {
        _link = link;
        _bindings = bindings;
        _counters = counters;
        _settings = settings;
        Receive<MdpBatch>(batch => Deliver(_link, batch, _bindings, _counters));
        Receive<Kick>(_ => ArmRetransmit());
        Receive<RetransmitTick>(_ => OnRetransmitTick());
        Receive<AckTick>(_ =>
        {
            // First tick: from the receive loop, wait the ack delay (a reply may carry the ack meanwhile). Second: send.
            if (!Timers.IsTimerActive(AckTimer) && !_ackDue)
            {
                _ackDue = true;
                Timers.StartSingleTimer(AckTimer, AckTick.Instance, _settings.AckDelay);
                return;
            }

            _ackDue = false;
            _link.ReleaseAckTimer();
            if (_link.ArrivalsSinceAck > 0)
            {
                _link.SendAck();
            }
        });
    }

    public static Props Props(MdpHopLink link, ConcurrentDictionary<int, IActorRef> bindings, MdpCounters counters, MdpSettings settings) =>
        Akka.Actor.Props.Create(() => new MdpHop(link, bindings, counters, settings));

    protected override void PostStop() => _link.Dispose();

    /// <summary>
    /// Checks and delivers one burst for <paramref name="link"/>. Called by the socket's receive loop on its own
    /// thread (a link belongs to one socket, so this never runs twice at once for a link): the datagrams reach the
    /// MSP endpoints without waiting for the hop actor's turn, which saves a thread hand-off per burst. The hop actor
    /// is asked for a delayed acknowledgement only when one is owed and none is pending.
    /// </summary>
    public static void Deliver(MdpHopLink link, MdpBatch batch, ConcurrentDictionary<int, IActorRef> bindings, MdpCounters counters)
    {
        // Datagrams for one receiver within this burst go on together (in order) as one message.
        IActorRef? lastReceiver = null;
        List<ReadOnlyMemory<byte>>? pending = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var datagram = batch.Datagram(i);
            if (!link.Receive(datagram.Span, out var header))
            {
                continue;
            }

            var payload = datagram.Slice(MdpPacket.HeaderSize, header.PayloadLength);
            if (link.Flows.TryGetValue(MdpHopLink.FlowKey(header.DestinationPort, header.SourcePort), out var receiver))
            {
                Interlocked.Increment(ref counters.Delivered);
                if (!ReferenceEquals(receiver, lastReceiver))
                {
                    Flush(lastReceiver, pending);
                    lastReceiver = receiver;
                    pending = [];
                }

                pending!.Add(payload);
            }
            else if (bindings.TryGetValue(header.DestinationPort, out var handler))
            {
                Interlocked.Increment(ref counters.Delivered);
                handler.Tell(new FlowDatagram(new MdpFlow(link, header.DestinationPort, header.SourcePort), payload));
            }
            else
            {
                Interlocked.Increment(ref counters.NoPortDropped);
            }

            if (link.ArrivalsSinceAck >= AckEvery)
            {
                link.SendAck();
            }
        }

        Flush(lastReceiver, pending);
        if (link.ArrivalsSinceAck > 0 && link.TryClaimAckTimer())
        {
            link.Hop.Tell(AckTick.Instance);
        }
    }

    private static void Flush(IActorRef? receiver, List<ReadOnlyMemory<byte>>? datagrams)
    {
        if (receiver is null || datagrams is null || datagrams.Count == 0)
        {
            return;
        }

        receiver.Tell(datagrams.Count == 1 ? new MspProtocol.DatagramReceived(datagrams[0]) : new MspProtocol.DatagramsReceived(datagrams));
    }

    private void ArmRetransmit()
    {
        if (!Timers.IsTimerActive(RetransmitTimer))
        {
            Timers.StartSingleTimer(RetransmitTimer, RetransmitTick.Instance, Half(_link.Rto));
        }
    }

    private void OnRetransmitTick()
    {
        if (_link.RetransmitDue() > 0)
        {
            Timers.StartSingleTimer(RetransmitTimer, RetransmitTick.Instance, Half(_link.Rto));
        }
    }

    private static TimeSpan Half(TimeSpan rto) => rto / 2 > TimeSpan.FromMilliseconds(1) ? rto / 2 : TimeSpan.FromMilliseconds(1);
}
