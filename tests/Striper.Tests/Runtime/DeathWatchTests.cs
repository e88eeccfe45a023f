using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class DeathWatchTests : TestKitBase
{
    [Fact]
    public void Watcher_should_receive_Terminated_when_the_watched_actor_stops()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        Watch(target);

        Sys.Stop(target);

        var terminated = ExpectTerminated(target);
        Assert.Same(target, terminated.ActorRef);
    }

    [Fact]
    public void Actor_watcher_should_receive_Terminated_with_the_dead_actor_as_sender()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        var watcher = ActorOf(Props.Create(() => new Watcher(TestActor, target)));
        watcher.Tell("echo", TestActor);
        ExpectMsg<string>(s => s == "echo"); // the watch is registered

        target.Tell(PoisonPill.Instance);

        Assert.Same(target, ExpectMsg<Terminated>().ActorRef);
        Assert.Same(target, TestActor.LastSender);
    }

    [Fact]
    public void Watching_an_already_dead_actor_should_deliver_Terminated_promptly()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        Watch(target);
        Sys.Stop(target);
        ExpectTerminated(target);

        ActorOf(Props.Create(() => new Watcher(TestActor, target)));

        Assert.Same(target, ExpectMsg<Terminated>().ActorRef);
        var probe = CreateTestProbe();
        probe.Watch(target);
        probe.ExpectTerminated(target);
    }

    [Fact]
    public void Watching_Nobody_or_DeadLetters_should_deliver_Terminated_promptly()
    {
        Watch(ActorRefs.Nobody);
        ExpectTerminated(ActorRefs.Nobody);
        Watch(Sys.DeadLetters);
        ExpectTerminated(Sys.DeadLetters);
    }

    [Fact]
    public void Unwatch_should_prevent_Terminated()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        var watcher = ActorOf(Props.Create(() => new Watcher(TestActor, target)));
        watcher.Tell("unwatch", TestActor);
        ExpectMsg<string>(s => s == "unwatched");
        Watch(target);

        Sys.Stop(target);
        ExpectTerminated(target);
        watcher.Tell("echo", TestActor);

        ExpectMsg<string>(s => s == "echo");
    }

    [Fact]
    public void Unwatch_should_drop_a_Terminated_that_is_already_queued()
    {
        using var gate = new ManualResetEventSlim();
        var target = ActorOf(Props.Create(() => new Idle()));
        var watcher = ActorOf(Props.Create(() => new Watcher(TestActor, target, gate)));
        watcher.Tell("block", TestActor);
        ExpectMsg<string>(s => s == "blocked");
        watcher.Tell("unwatch", TestActor); // queued behind "block", ahead of the Terminated to come
        Watch(target);

        Sys.Stop(target);
        ExpectTerminated(target);
        var mailbox = ((LocalActorRef)watcher).Cell.Mailbox;
        Assert.True(SpinWait.SpinUntil(() => mailbox.HasSystemMessages, TimeSpan.FromSeconds(3)), "the death notification never reached the watcher");
        gate.Set();

        ExpectMsg<string>(s => s == "unwatched");
        watcher.Tell("echo", TestActor);
        ExpectMsg<string>(s => s == "echo");
    }

    [Fact]
    public void Terminated_should_be_delivered_once_even_when_watched_twice()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        var watcher = ActorOf(Props.Create(() => new Watcher(TestActor, target)));
        watcher.Tell("watch again", TestActor);
        ExpectMsg<string>(s => s == "watching");

        Sys.Stop(target);

        ExpectMsg<Terminated>();
        watcher.Tell("echo", TestActor);
        ExpectMsg<string>(s => s == "echo");
    }

    [Fact]
    public void Unhandled_Terminated_should_stop_the_watcher_with_a_death_pact()
    {
        var target = ActorOf(Props.Create(() => new Idle()));
        var watcher = ActorOf(Props.Create(() => new CarelessWatcher(target)));
        Watch(watcher);
        watcher.Tell("echo", TestActor);
        ExpectMsg<string>(s => s == "echo");

        Sys.Stop(target);

        ExpectTerminated(watcher);
    }

    [Fact]
    public void Parent_should_reuse_a_child_name_once_it_received_Terminated_for_it()
    {
        var parent = ActorOf(Props.Create(() => new Recycler(TestActor)));

        parent.Tell("recycle");

        Assert.Equal("recreated", ExpectMsg<string>());
    }

    private sealed class Idle : ReceiveActor
    {
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef probe, IActorRef target, ManualResetEventSlim? gate = null)
        {
            Context.Watch(target);
            Receive<Terminated>(t => probe.Tell(t, Sender));
            Receive<string>(s =>
            {
                switch (s)
                {
                    case "block":
                        Sender.Tell("blocked");
                        gate!.Wait();
                        break;
                    case "unwatch":
                        Context.Unwatch(target);
                        Sender.Tell("unwatched");
                        break;
                    case "watch again":
                        Context.Watch(target);
                        Sender.Tell("watching");
                        break;
                    default:
                        Sender.Tell(s);
                        break;
                }
            });
        }
    }

    private sealed class CarelessWatcher : ReceiveActor
    {
        public CarelessWatcher(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(s => Sender.Tell(s));
        }
    }

    private sealed class Recycler : ReceiveActor
    {
        public Recycler(IActorRef probe)
        {
            var child = Context.ActorOf(Props.Create(() => new Idle()), "worker");
            Context.Watch(child);
            Receive<string>(_ => Context.Stop(child));
            Receive<Terminated>(_ =>
            {
                Context.ActorOf(Props.Create(() => new Idle()), "worker");
                probe.Tell("recreated");
            });
        }
    }
}
