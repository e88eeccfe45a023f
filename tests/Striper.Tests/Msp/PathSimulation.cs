using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Msp;
using Striper.Actors.Services;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

/// <summary>
/// One MSP stream over a simulated path, entirely on virtual time: both stream actors and their owners run on
/// Akka.TestKit's calling-thread dispatcher, the timers on its <see cref="TestScheduler"/>, and the two
/// <see cref="LossyLink"/>s are paths (bottleneck, drop-tail queue, delay, random loss) that deliver only when
/// <see cref="Run"/> says their datagrams have arrived. Everything happens on the test's thread in a fixed order, so a
/// run is repeatable to the packet and takes far less wall time than the time it simulates. A bulk source keeps the
/// stream's send buffer full of full-size messages; the sink consumes at once and counts what arrived.
/// </summary>
internal sealed class PathSimulation : IDisposable
{
    /// <summary>Timers fire at most this late (links deliver exactly on time).</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(0.25);

    private readonly TestScheduler _scheduler;
    private readonly TimeProvider _clock;
    private readonly TestProbe _probe;
    private readonly DeliveryCounter _counter = new();
    private readonly long _start;

    /// <param name="messages">How many messages the source sends in all (by default it never stops; 0: an idle stream).</param>
    public PathSimulation(TestKitBase kit, MspSettings settings, LossyLinkOptions forward, LossyLinkOptions reverse, int seed, long messages = long.MaxValue)
    {
        var system = kit.Sys;
        _scheduler = (TestScheduler)system.Scheduler;
        _clock = StriperServices.Get(system).Clock;
        _probe = kit.CreateTestProbe();
        _start = _clock.GetTimestamp();
        const uint Id = 7;
        Forward = new LossyLink(forward, seed, _clock);
        Reverse = new LossyLink(reverse, seed + 1, _clock);

        // Test actor refs are created on this thread and run on the calling-thread dispatcher: nothing of the run
        // happens on another thread, not even the actors' start.
        var sink = kit.ActorOfAsTestActorRef<Sink>(Props.Create(() => new Sink(_counter)));
        var source = kit.ActorOfAsTestActorRef<Source>(Props.Create(() => new Source(settings.MaxMessageSize, messages)));
        Receiver = kit.ActorOfAsTestActorRef<MspStream>(MspStream.Props(Id, isInitiator: false, Reverse, sink, settings));
        Forward.Target = Receiver;
        Sender = kit.ActorOfAsTestActorRef<MspStream>(MspStream.Props(Id, isInitiator: true, Forward, source, settings));
        Reverse.Target = Sender;
        MessageSize = settings.MaxMessageSize;
    }

    /// <summary>A → B: the data.</summary>
    public LossyLink Forward { get; }

    /// <summary>B → A: the acknowledgements.</summary>
    public LossyLink Reverse { get; }

    public IActorRef Sender { get; }

    public IActorRef Receiver { get; }

    public int MessageSize { get; }

    /// <summary>Bytes a full data packet takes on the wire (no SACK blocks: the sender receives nothing out of order).</summary>
    public int DataDatagramSize => MspPacket.HeaderSize + MessageSize + MspPacket.TrailerSize;

    /// <summary>Virtual time since the simulation started.</summary>
    public TimeSpan Elapsed => _clock.GetElapsedTime(_start);

    /// <summary>Messages the receiving owner got, in order.</summary>
    public long MessagesDelivered => _counter.Messages;

    /// <summary>The receiving owner heard Closed (the stream ended).</summary>
    public bool ReceiverClosed => _counter.Closed;

    /// <summary>Moves virtual time on by <paramref name="duration"/>, delivering datagrams as they arrive.</summary>
    public void Run(TimeSpan duration)
    {
        var now = _clock.GetTimestamp();
        var end = now + duration.Ticks;
        var step = Step.Ticks;
        while (now < end)
        {
            var next = Math.Min(Math.Min(Forward.NextArrival, Reverse.NextArrival), Math.Min(now + step, end));
            _scheduler.Advance(TimeSpan.FromTicks(Math.Max(0, next - now)));
            now = _clock.GetTimestamp();
            Forward.DeliverDue(now);
            Reverse.DeliverDue(now);
        }
    }

    /// <summary>
    /// Runs for <paramref name="duration"/> and returns the data rate delivered in order to the receiving owner, as a
    /// fraction of the forward bottleneck (counting each message at its size on the wire).
    /// </summary>
    public double Utilization(TimeSpan duration)
    {
        var before = MessagesDelivered;
        var rate = Forward.BytesPerSecond;
        Run(duration);
        return (MessagesDelivered - before) * DataDatagramSize / duration.TotalSeconds / rate;
    }

    public MspStats SenderStats() => Stats(Sender);

    public MspStats ReceiverStats() => Stats(Receiver);

    private MspStats Stats(IActorRef stream)
    {
        stream.Tell(GetStats.Instance, _probe.Ref);
        return _probe.ExpectMsg<MspStats>(TimeSpan.FromSeconds(1));
    }

    public void Dispose()
    {
        Forward.Dispose();
        Reverse.Dispose();
    }

    private sealed class DeliveryCounter
    {
        public long Messages;

        public bool Closed;
    }

    /// <summary>Keeps the stream's send buffer full of full-size messages, up to a total if given one.</summary>
    private sealed class Source : ReceiveActor
    {
        private readonly ReadOnlyMemory<byte> _message;
        private long _sent;

        public Source(int size, long total)
        {
            _message = new byte[size];
            Receive<StateChanged>(m =>
            {
                while (_sent < m.SendLimit && _sent < total && (m.State & MspState.DataOut) != 0)
                {
                    Sender.Tell(new Send(_message), Self);
                    _sent++;
                }
            });
            Receive<SendRejected>(_ => { });
        }
    }

    /// <summary>Consumes every message at once, in batches of 16 like <see cref="TransferPeer"/>, and counts them.</summary>
    private sealed class Sink : ReceiveActor
    {
        private int _unconsumed;

        public Sink(DeliveryCounter counter)
        {
            Receive<Received>(_ =>
            {
                counter.Messages++;
                if (++_unconsumed >= 16)
                {
                    Sender.Tell(new Consumed(_unconsumed), Self);
                    _unconsumed = 0;
                }
            });
            Receive<StateChanged>(m => counter.Closed |= (m.State & MspState.Closed) != 0);
            Receive<Accepted>(_ => { });
        }
    }
}
