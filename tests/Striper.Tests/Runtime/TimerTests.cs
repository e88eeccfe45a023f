using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

/// <summary>
/// Timer ticks are told synchronously inside <see cref="ManualTimeProvider.Advance"/>, so a tick that fired
/// is always queued ahead of a later "echo": <see cref="ExpectNoTick"/> proves absence without waiting.
/// </summary>
public sealed class TimerTests : TestKitBase
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly ManualTimeProvider _clock;

    public TimerTests()
        : this(new ManualTimeProvider())
    {
    }

    private TimerTests(ManualTimeProvider clock)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        _clock = clock;
    }

    [Fact]
    public void Single_timer_should_fire_once_after_its_delay_with_Self_as_sender()
    {
        var actor = TimerActor();
        Command(actor, new StartSingle("k", new Tick("a"), Second));

        _clock.Advance(Second - TimeSpan.FromMilliseconds(1));
        ExpectNoTick(actor);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(new Tick("a"), ExpectMsg<Tick>());
        Assert.Same(actor, TestActor.LastSender);
        Assert.False(IsActive(actor, "k"));
        _clock.Advance(TimeSpan.FromSeconds(10));
        ExpectNoTick(actor);
    }

    [Fact]
    public void Periodic_timer_should_fire_every_interval_until_cancelled()
    {
        var actor = TimerActor();
        Command(actor, new StartPeriodic("k", new Tick("p"), Second, Second));

        _clock.Advance(Second);
        ExpectMsg<Tick>();
        _clock.Advance(TimeSpan.FromSeconds(3));
        ExpectMsg<Tick>();
        ExpectMsg<Tick>();
        ExpectMsg<Tick>();
        Assert.True(IsActive(actor, "k"));

        Command(actor, new CancelTimer("k"));
        _clock.Advance(TimeSpan.FromSeconds(5));
        ExpectNoTick(actor);
        Assert.False(IsActive(actor, "k"));
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public void Periodic_timer_should_honour_its_initial_delay()
    {
        var actor = TimerActor();
        Command(actor, new StartPeriodic("k", new Tick("p"), TimeSpan.FromSeconds(5), Second));

        _clock.Advance(TimeSpan.FromSeconds(4));
        ExpectNoTick(actor);
        _clock.Advance(Second);
        ExpectMsg<Tick>();
        _clock.Advance(Second);
        ExpectMsg<Tick>();
    }

    [Fact]
    public void Starting_a_timer_with_an_existing_key_should_replace_it()
    {
        var actor = TimerActor();
        Command(actor, new StartSingle("k", new Tick("a"), Second));
        Command(actor, new StartSingle("k", new Tick("b"), TimeSpan.FromSeconds(2)));

        _clock.Advance(Second);
        ExpectNoTick(actor);
        _clock.Advance(Second);

        Assert.Equal(new Tick("b"), ExpectMsg<Tick>());
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public void Cancel_should_stop_a_pending_timer()
    {
        var actor = TimerActor();
        Command(actor, new StartSingle("k", new Tick("a"), Second));

        Command(actor, new CancelTimer("k"));
        _clock.Advance(TimeSpan.FromSeconds(2));

        ExpectNoTick(actor);
        Assert.False(IsActive(actor, "k"));
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public void Tick_of_a_cancelled_timer_should_not_be_delivered_even_if_already_queued()
    {
        using var gate = new ManualResetEventSlim();
        var actor = TimerActor(gate);
        Command(actor, new StartSingle("k", new Tick("a"), Second));
        actor.Tell(new Block(timers => timers.Cancel("k")), TestActor);
        ExpectMsg<string>(s => s == "blocked");

        _clock.Advance(Second); // the tick is queued behind the blocked handler, which then cancels
        gate.Set();

        ExpectNoTick(actor);
    }

    [Fact]
    public void Tick_of_a_replaced_timer_should_not_be_delivered_even_if_already_queued()
    {
        using var gate = new ManualResetEventSlim();
        var actor = TimerActor(gate);
        Command(actor, new StartSingle("k", new Tick("a"), Second));
        actor.Tell(new Block(timers => timers.StartSingleTimer("k", new Tick("b"), Second)), TestActor);
        ExpectMsg<string>(s => s == "blocked");

        _clock.Advance(Second);
        gate.Set();
        ExpectNoTick(actor);
        _clock.Advance(Second);

        Assert.Equal(new Tick("b"), ExpectMsg<Tick>());
    }

    [Fact]
    public void Timers_should_be_cancelled_when_the_actor_stops()
    {
        var actor = TimerActor();
        Command(actor, new StartPeriodic("k", new Tick("p"), Second, Second));
        Watch(actor);

        Sys.Stop(actor);
        ExpectTerminated(actor);

        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public void Timers_should_be_cancelled_when_the_actor_restarts()
    {
        var actor = TimerActor();
        Command(actor, new StartPeriodic("k", new Tick("p"), Second, Second));

        actor.Tell("fail");
        ExpectNoTick(actor); // answered by the new instance
        Assert.Equal(0, _clock.ActiveTimerCount);
        _clock.Advance(TimeSpan.FromSeconds(3));

        ExpectNoTick(actor);
        Assert.False(IsActive(actor, "k"));
    }

    private IActorRef TimerActor(ManualResetEventSlim? gate = null) => ActorOf(Props.Create(() => new Scheduling(TestActor, gate)));

    private void Command(IActorRef actor, object command)
    {
        actor.Tell(command, TestActor);
        ExpectMsg<string>(s => s == "ok");
    }

    private bool IsActive(IActorRef actor, object key)
    {
        actor.Tell(new IsActiveQuery(key), TestActor);
        return ExpectMsg<bool>();
    }

    private void ExpectNoTick(IActorRef actor)
    {
        actor.Tell("echo", TestActor);
        ExpectMsg<string>(s => s == "echo");
    }

    private sealed record Tick(string Name);

    private sealed record StartSingle(object Key, Tick Tick, TimeSpan Delay);

    private sealed record StartPeriodic(object Key, Tick Tick, TimeSpan InitialDelay, TimeSpan Interval);

    private sealed record CancelTimer(object Key);

    private sealed record IsActiveQuery(object Key);

    private sealed record Block(Action<ITimerScheduler> Then);

    private sealed class Scheduling : ReceiveActor
    {
        public Scheduling(IActorRef probe, ManualResetEventSlim? gate)
        {
            Receive<StartSingle>(c => Ok(() => Timers.StartSingleTimer(c.Key, c.Tick, c.Delay)));
            Receive<StartPeriodic>(c => Ok(() => Timers.StartPeriodicTimer(c.Key, c.Tick, c.InitialDelay, c.Interval)));
            Receive<CancelTimer>(c => Ok(() => Timers.Cancel(c.Key)));
            Receive<IsActiveQuery>(q => Sender.Tell(Timers.IsTimerActive(q.Key)));
            Receive<Tick>(t => probe.Tell(t, Sender));
            Receive<Block>(b =>
            {
                Sender.Tell("blocked");
                gate!.Wait();
                b.Then(Timers);
            });
            Receive<string>(_ => throw new InvalidOperationException("fail"), s => s == "fail");
            Receive<string>(s => Sender.Tell(s));
        }

        private void Ok(Action action)
        {
            action();
            Sender.Tell("ok");
        }
    }
}
