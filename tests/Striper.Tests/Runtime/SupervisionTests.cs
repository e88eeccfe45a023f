using System.Collections.Concurrent;
using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class SupervisionTests : TestKitBase
{
    private readonly ManualTimeProvider _clock;

    public SupervisionTests()
        : this(new ManualTimeProvider())
    {
    }

    private SupervisionTests(ManualTimeProvider clock)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        _clock = clock;
    }

    [Fact]
    public void Resume_should_keep_the_state_and_continue_with_the_next_message()
    {
        var child = ChildUnder(new OneForOneStrategy(_ => Directive.Resume));

        child.Tell("inc");
        child.Tell("inc");
        child.Tell("fail");
        child.Tell("count", TestActor);

        Assert.Equal(2, ExpectMsg<int>());
    }

    [Fact]
    public void Restart_should_create_a_fresh_instance_keep_the_mailbox_and_not_retry_the_failed_message()
    {
        var child = ChildUnder(new OneForOneStrategy(_ => Directive.Restart));

        child.Tell("inc");
        child.Tell("inc");
        child.Tell("fail");
        child.Tell("inc");
        child.Tell("count", TestActor);

        Assert.Equal("prerestart boom fail", ExpectMsg<string>(s => s.StartsWith("prerestart", StringComparison.Ordinal)));
        Assert.Equal("poststop", ExpectMsg<string>());
        Assert.Equal("postrestart boom", ExpectMsg<string>());
        Assert.Equal("prestart", ExpectMsg<string>());
        Assert.Equal(1, ExpectMsg<int>());
    }

    [Fact]
    public void Stop_directive_should_stop_the_child()
    {
        var child = ChildUnder(new OneForOneStrategy(_ => Directive.Stop));
        Watch(child);

        child.Tell("fail");

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void Escalate_should_fail_the_parent_with_the_same_exception()
    {
        var seen = new ConcurrentQueue<Exception>();
        var grandparent = ActorOf(Props.Create(() => new Parent(TestActor, Props.Create(() => new Parent(TestActor, ChildProps()))))
            .WithSupervisorStrategy(new OneForOneStrategy(ex =>
            {
                seen.Enqueue(ex);
                return Directive.Restart;
            })));
        var parent = ChildOf(grandparent); // the "prestart" seen here is the grandchild's
        parent.Tell("child", TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        var boom = new InvalidOperationException("escalated");

        // The middle parent's strategy comes from its virtual (Escalate), as no Props strategy is set.
        child.Tell(boom);

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(child); // the parent's default PreRestart stopped it
        FishForMessage<string>(s => s == "parent restarted"); // the new child's "prestart" may come first
        Assert.Same(boom, Assert.Single(seen));
    }

    [Fact]
    public void Props_strategy_should_override_the_actors_own_strategy()
    {
        // Parent's virtual strategy escalates; the Props one stops.
        var parent = ActorOf(Props.Create(() => new Parent(TestActor, ChildProps())).WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        var child = ChildOf(parent);
        Watch(child);

        child.Tell("fail");

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void Child_should_be_stopped_when_it_exceeds_its_restart_budget_within_the_window()
    {
        var child = ChildUnder(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart));
        Watch(child);

        FailAndExpectRestart(child);
        FailAndExpectRestart(child);
        _clock.Advance(TimeSpan.FromSeconds(59));
        child.Tell("fail");

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void Restart_budget_should_start_over_once_the_window_has_passed()
    {
        var child = ChildUnder(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart));
        Watch(child);

        FailAndExpectRestart(child);
        FailAndExpectRestart(child);
        _clock.Advance(TimeSpan.FromMinutes(2));
        FailAndExpectRestart(child);
        FailAndExpectRestart(child);
        child.Tell("fail");

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void Exception_in_constructor_should_stop_the_actor_under_the_default_strategy()
    {
        var actor = ActorOf(Props.Create<ActorBase>(() => throw new InvalidOperationException("ctor")));
        Watch(actor);

        ExpectTerminated(actor);
    }

    [Fact]
    public void Exception_in_PreStart_should_stop_the_actor_under_the_default_strategy()
    {
        var actor = ActorOf(Props.Create(() => new Child(TestActor, failInPreStart: true)));
        Watch(actor);

        ExpectMsg<string>(s => s == "prestart");
        ExpectTerminated(actor);
    }

    [Fact]
    public void Top_level_actor_should_be_restarted_by_the_guardian_with_the_default_strategy()
    {
        var actor = ActorOf(ChildProps());
        ExpectMsg<string>(s => s == "prestart");

        actor.Tell("inc");
        actor.Tell("fail");
        actor.Tell("count", TestActor);

        ExpectMsg<string>(s => s.StartsWith("prerestart", StringComparison.Ordinal));
        ExpectMsg<string>(s => s == "poststop");
        ExpectMsg<string>(s => s == "postrestart boom");
        ExpectMsg<string>(s => s == "prestart");
        Assert.Equal(0, ExpectMsg<int>());
    }

    [Fact]
    public void Kill_should_stop_the_actor_under_the_default_strategy()
    {
        var actor = ActorOf(ChildProps());
        Watch(actor);
        ExpectMsg<string>(s => s == "prestart");

        actor.Tell(Kill.Instance);

        ExpectMsg<string>(s => s == "poststop");
        ExpectTerminated(actor);
    }

    [Fact]
    public void Restart_should_wait_for_stopped_children_so_the_new_instance_can_reuse_their_names()
    {
        var parent = ActorOf(Props.Create(() => new NamedChildParent(TestActor)));
        Assert.Equal("created worker", ExpectMsg<string>());

        parent.Tell("fail");

        Assert.Equal("created worker", ExpectMsg<string>());
    }

    private static Props ChildProps(IActorRef probe) => Props.Create(() => new Child(probe, failInPreStart: false));

    private Props ChildProps() => ChildProps(TestActor);

    private IActorRef ChildUnder(SupervisorStrategy strategy) =>
        ChildOf(ActorOf(Props.Create(() => new Parent(TestActor, ChildProps())).WithSupervisorStrategy(strategy)));

    // The child's "prestart" and the parent's reply race each other, so accept them in either order.
    private IActorRef ChildOf(IActorRef parent)
    {
        parent.Tell("child", TestActor);
        IActorRef? child = null;
        var started = false;
        while (child is null || !started)
        {
            var message = ExpectMsg<object>();
            child ??= message as IActorRef;
            started |= message is "prestart";
        }

        return child;
    }

    private void FailAndExpectRestart(IActorRef child)
    {
        child.Tell("fail");
        ExpectMsg<string>(s => s.StartsWith("prerestart", StringComparison.Ordinal));
        ExpectMsg<string>(s => s == "poststop");
        ExpectMsg<string>(s => s.StartsWith("postrestart", StringComparison.Ordinal));
        ExpectMsg<string>(s => s == "prestart");
    }

    private sealed class Parent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Parent(IActorRef probe, Props childProps)
        {
            _probe = probe;
            var child = Context.ActorOf(childProps, "child");
            Receive<string>(_ => Sender.Tell(child), s => s == "child");
        }

        protected override void PostRestart(Exception reason) => _probe.Tell("parent restarted");

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);
    }

    private sealed class Child : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly bool _failInPreStart;
        private int _count;

        public Child(IActorRef probe, bool failInPreStart)
        {
            _probe = probe;
            _failInPreStart = failInPreStart;
            Receive<string>(s =>
            {
                switch (s)
                {
                    case "inc":
                        _count++;
                        break;
                    case "count":
                        Sender.Tell(_count);
                        break;
                    case "fail":
                        throw new InvalidOperationException("boom");
                }
            });
            Receive<Exception>(ex => throw ex);
        }

        protected override void PreStart()
        {
            _probe.Tell("prestart");
            if (_failInPreStart)
            {
                throw new InvalidOperationException("prestart failed");
            }
        }

        protected override void PostStop() => _probe.Tell("poststop");

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"prerestart {reason.Message} {message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell("postrestart " + reason.Message);
            base.PostRestart(reason);
        }
    }

    private sealed class NamedChildParent : ReceiveActor
    {
        public NamedChildParent(IActorRef probe)
        {
            // A fresh instance after a restart creates "worker" again: that only works once the old one is gone.
            var worker = Context.ActorOf(Props.Create(() => new Idle()), "worker");
            probe.Tell("created " + ((LocalActorRef)worker).Name);
            Receive<string>(_ => throw new InvalidOperationException("boom"));
        }
    }

    private sealed class Idle : ReceiveActor
    {
        protected override void PostStop() => Thread.Sleep(20); // widen the window in which the name is still taken
    }
}
