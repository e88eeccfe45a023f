using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class MailboxTests : TestKitBase
{
    [Fact]
    public void Tell_should_deliver_ten_thousand_messages_in_order()
    {
        const int count = 10_000;
        var actor = ActorOf(Props.Create(() => new Collector(TestActor, count)));

        for (var i = 0; i < count; i++)
        {
            actor.Tell(i);
        }

        Assert.Equal(Enumerable.Range(0, count), ExpectMsg<int[]>());
    }

    [Fact]
    public void Sender_should_be_the_ref_given_to_Tell_or_Nobody()
    {
        var actor = ActorOf(Props.Create(() => new SenderReporter(TestActor)));

        actor.Tell("with sender", TestActor);
        Assert.Same(TestActor, ExpectMsg<IActorRef>());
        Assert.Same(actor, TestActor.LastSender);

        actor.Tell("without sender");
        Assert.Same(ActorRefs.Nobody, ExpectMsg<IActorRef>());
    }

    [Fact]
    public void Forward_should_keep_the_original_sender()
    {
        var echo = ActorOf(Props.Create(() => new Echo()));
        var middle = ActorOf(Props.Create(() => new Forwarder(echo)));

        middle.Tell("hello", TestActor);

        Assert.Equal("hello", ExpectMsg<string>());
        Assert.Same(echo, TestActor.LastSender);
    }

    [Fact]
    public void Forward_outside_a_message_handler_should_throw()
    {
        var echo = ActorOf(Props.Create(() => new Echo()));

        Assert.Throws<InvalidOperationException>(() => echo.Forward("hello"));
    }

    [Fact]
    public void Flooded_actor_should_give_its_thread_back_after_throughput_messages()
    {
        using var gate = new ManualResetEventSlim();
        var actor = ActorOf(Props.Create(() => new GatedCounter(TestActor, gate)));
        actor.Tell("block");
        ExpectMsg<string>(s => s == "blocked");

        for (var i = 0; i < 3000; i++)
        {
            actor.Tell(i);
        }

        actor.Tell("report");
        gate.Set();

        Assert.Equal(3000, ExpectMsg<int>());
        // Default throughput is 30 messages per run, so 3002 queued messages need at least 100 runs.
        var runs = ((LocalActorRef)actor).Cell.Mailbox.RunCount;
        Assert.True(runs >= 100, $"expected at least 100 mailbox runs, got {runs}");
    }

    [Fact]
    public void Flooded_actor_should_not_starve_another_actor()
    {
        const int flood = 20_000;
        using var gate = new ManualResetEventSlim();
        var progress = new Progress();
        var other = ActorOf(Props.Create(() => new ProgressReporter(TestActor, progress)));
        var flooded = ActorOf(Props.Create(() => new SlowWorker(TestActor, gate, progress, other)));
        flooded.Tell("block");
        ExpectMsg<string>(s => s == "blocked");
        for (var i = 0; i < flood; i++)
        {
            flooded.Tell(i);
        }

        gate.Set();

        // The flooded actor pings the other one at its first message; that ping must be handled long before
        // the flood is through, whether or not a second pool thread is free.
        var seen = ExpectMsg<int>();
        Assert.True(seen < flood / 2, $"the other actor ran only after {seen} of {flood} flood messages");
    }

    [Fact]
    public void Stop_should_overtake_queued_user_messages_which_become_dead_letters()
    {
        using var gate = new ManualResetEventSlim();
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var actor = ActorOf(Props.Create(() => new GatedCounter(TestActor, gate)));
        Watch(actor);
        actor.Tell("block");
        ExpectMsg<string>(s => s == "blocked");
        for (var i = 0; i < 1000; i++)
        {
            actor.Tell(i);
        }

        Sys.Stop(actor);
        gate.Set();

        Assert.Equal(0, ExpectMsg<int>()); // PostStop reports how many numbers were processed
        ExpectTerminated(actor);
        for (var i = 0; i < 1000; i++)
        {
            var letter = deadLetters.ExpectMsg<DeadLetter>();
            Assert.Equal(i, letter.Message);
            Assert.Same(actor, letter.Recipient);
        }
    }

    [Fact]
    public void Actor_should_run_one_handler_at_a_time_and_keep_per_sender_order_under_parallel_senders()
    {
        const int senders = 8;
        const int perSender = 5000;
        var actor = ActorOf(Props.Create(() => new ConcurrencyChecker(TestActor, senders)));

        Parallel.For(0, senders, new ParallelOptions { MaxDegreeOfParallelism = senders }, s =>
        {
            for (var i = 0; i < perSender; i++)
            {
                actor.Tell(new Numbered(s, i));
            }
        });
        actor.Tell("report");

        var report = ExpectMsg<ConcurrencyReport>(TimeSpan.FromSeconds(10));
        Assert.Equal(senders * perSender, report.Handled);
        Assert.Equal(1, report.MaxConcurrent);
        Assert.Equal(0, report.OrderViolations);
    }

    private sealed record Numbered(int Sender, int Seq);

    private sealed record ConcurrencyReport(int Handled, int MaxConcurrent, int OrderViolations);

    private sealed class Progress
    {
        public int Processed;
    }

    private sealed class Collector : ReceiveActor
    {
        private readonly List<int> _received = [];

        public Collector(IActorRef probe, int expected)
        {
            Receive<int>(i =>
            {
                _received.Add(i);
                if (_received.Count == expected)
                {
                    probe.Tell(_received.ToArray());
                }
            });
        }
    }

    private sealed class SenderReporter : ReceiveActor
    {
        public SenderReporter(IActorRef probe) => ReceiveAny(_ => probe.Tell(Sender, Self));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }

    private sealed class GatedCounter : ReceiveActor
    {
        private readonly IActorRef _probe;
        private int _count;

        public GatedCounter(IActorRef probe, ManualResetEventSlim gate)
        {
            _probe = probe;
            Receive<string>(
                _ =>
                {
                    probe.Tell("blocked");
                    gate.Wait();
                },
                s => s == "block");
            Receive<int>(_ => _count++);
            Receive<string>(_ => probe.Tell(_count), s => s == "report");
        }

        protected override void PostStop() => _probe.Tell(_count);
    }

    private sealed class SlowWorker : ReceiveActor
    {
        public SlowWorker(IActorRef probe, ManualResetEventSlim gate, Progress progress, IActorRef other)
        {
            Receive<string>(_ =>
            {
                probe.Tell("blocked");
                gate.Wait();
            });
            Receive<int>(i =>
            {
                if (i == 0)
                {
                    other.Tell("ping");
                }

                Thread.SpinWait(100);
                Interlocked.Increment(ref progress.Processed);
            });
        }
    }

    private sealed class ProgressReporter : ReceiveActor
    {
        public ProgressReporter(IActorRef probe, Progress progress) =>
            ReceiveAny(_ => probe.Tell(Volatile.Read(ref progress.Processed)));
    }

    private sealed class ConcurrencyChecker : ReceiveActor
    {
        private readonly int[] _next;
        private int _inside;
        private int _maxConcurrent;
        private int _handled;
        private int _violations;

        public ConcurrencyChecker(IActorRef probe, int senders)
        {
            _next = new int[senders];
            Receive<Numbered>(n =>
            {
                var inside = Interlocked.Increment(ref _inside);
                _maxConcurrent = Math.Max(_maxConcurrent, inside);
                if (n.Seq != _next[n.Sender])
                {
                    _violations++;
                }

                _next[n.Sender] = n.Seq + 1;
                _handled++;
                Thread.SpinWait(10);
                Interlocked.Decrement(ref _inside);
            });
            Receive<string>(_ => probe.Tell(new ConcurrencyReport(_handled, _maxConcurrent, _violations)));
        }
    }
}
