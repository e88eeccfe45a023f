using System.Collections.Concurrent;
using Striper.Actors.Msp;
using Striper.Actors.Runtime;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>
/// One neighbour link's actor. It takes the datagrams its socket received from the neighbour in bursts
/// (<see cref="MdpBatch"/>, one message per burst, not per datagram), checks each one's MAC, applies its hop
/// acknowledgement, drops duplicates and delivers the rest at once, in arrival order, to the flow's receiver or the
/// port's handler: no head-of-line blocking. It acknowledges after every <see cref="AckEvery"/> arrivals or
/// <see cref="MdpSettings.AckDelay"/> after a burst (a reply usually carries the ack sooner), and retransmits
/// overdue datagrams on a timer that runs only while some are outstanding.
/// </summary>
internal sealed class MdpHop : ReceiveActor
{
    private const int AckEvery = 16;
    private const string AckTimer = "ack";
    private const string RetransmitTimer = "retransmit";

    private readonly MdpHopLink _link;
    private readonly ConcurrentDictionary<int, IActorRef> _bindings;
    private readonly MdpCounters _counters;
    private readonly MdpSettings _settings;

    public MdpHop(MdpHopLink link, ConcurrentDictionary<int, IActorRef> bindings, MdpCounters counters, MdpSettings settings)
    {
        _link = link;
        _bindings = bindings;
        _counters = counters;
        _settings = settings;
        Receive<MdpBatch>(OnBatch);
        Receive<Kick>(_ => ArmRetransmit());
        Receive<RetransmitTick>(_ => OnRetransmitTick());
        Receive<AckTick>(_ =>
        {
            if (_link.ArrivalsSinceAck > 0)
            {
                _link.SendAck();
            }
        });
    }

    public static Props Props(MdpHopLink link, ConcurrentDictionary<int, IActorRef> bindings, MdpCounters counters, MdpSettings settings) =>
        Runtime.Props.Create(() => new MdpHop(link, bindings, counters, settings));

    protected override void PostStop() => _link.Dispose();

    private void OnBatch(MdpBatch batch)
    {
        // Datagrams for one receiver within this burst go on together (in order) as one message.
        IActorRef? lastReceiver = null;
        List<ReadOnlyMemory<byte>>? pending = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var datagram = batch.Datagram(i);
            if (!_link.Receive(datagram.Span, out var header))
            {
                continue;
            }

            var payload = datagram.Slice(MdpPacket.HeaderSize, header.PayloadLength);
            if (_link.Flows.TryGetValue(MdpHopLink.FlowKey(header.DestinationPort, header.SourcePort), out var receiver))
            {
                Interlocked.Increment(ref _counters.Delivered);
                if (!ReferenceEquals(receiver, lastReceiver))
                {
                    Flush(lastReceiver, pending);
                    lastReceiver = receiver;
                    pending = [];
                }

                pending!.Add(payload);
            }
            else if (_bindings.TryGetValue(header.DestinationPort, out var handler))
            {
                Interlocked.Increment(ref _counters.Delivered);
                handler.Tell(new FlowDatagram(new MdpFlow(_link, header.DestinationPort, header.SourcePort), payload));
            }
            else
            {
                Interlocked.Increment(ref _counters.NoPortDropped);
            }

            if (_link.ArrivalsSinceAck >= AckEvery)
            {
                _link.SendAck();
            }
        }

        Flush(lastReceiver, pending);

        if (_link.ArrivalsSinceAck > 0 && !Timers.IsTimerActive(AckTimer))
        {
            Timers.StartSingleTimer(AckTimer, AckTick.Instance, _settings.AckDelay);
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
