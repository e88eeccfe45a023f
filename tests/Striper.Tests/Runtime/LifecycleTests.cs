using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class LifecycleTests : TestKitBase
{
    [Fact]
    public void Stop_should_stop_children_before_their_parent()
    {
        var root = ActorOf(Props.Create(() => new Node(TestActor, depth: 2)), "root");
        for (var i = 0; i < 3; i++)
        {
            ExpectMsg<string>(s => s.StartsWith("started", StringComparison.Ordinal));
        }

        Watch(root);
        Sys.Stop(root);

        Assert.Equal($"stopped {root.Path}/n1/n2", ExpectMsg<string>());
        Assert.Equal($"stopped {root.Path}/n1", ExpectMsg<string>());
        Assert.Equal($"stopped {root.Path}", ExpectMsg<string>());
        ExpectTerminated(root);
    }

    [Fact]
    public void PoisonPill_should_stop_after_earlier_messages_and_dead_letter_later_ones()
    {
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var actor = ActorOf(Props.Create(() => new Echo()));
        Watch(actor);

        actor.Tell(1, TestActor);
        actor.Tell(2, TestActor);
        actor.Tell(PoisonPill.Instance, TestActor);
        actor.Tell(3, TestActor);

        Assert.Equal(1, ExpectMsg<int>());
        Assert.Equal(2, ExpectMsg<int>());
        ExpectTerminated(actor);
        Assert.Equal(3, deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Message_told_to_a_stopped_actor_should_become_a_dead_letter()
    {
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var actor = ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        actor.Tell("late", TestActor);

        var letter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("late", letter.Message);
        Assert.Same(TestActor, letter.Sender);
        Assert.Same(actor, letter.Recipient);
    }

    [Fact]
    public void ActorOf_should_reject_a_name_taken_by_a_live_sibling()
    {
        ActorOf(Props.Create(() => new Echo()), "twin");

        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create(() => new Echo()), "twin"));

        var parent = ActorOf(Props.Create(() => new Node(TestActor, depth: 1)));
        ExpectMsg<string>();
        ExpectMsg<string>();
        parent.Tell("create n1", TestActor);
        ExpectMsg<InvalidActorNameException>();
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("a/b")]
    public void ActorOf_should_reject_an_invalid_name(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create(() => new Echo()), name));
    }

    [Fact]
    public void ActorOf_without_a_name_should_generate_unique_names_and_nested_paths()
    {
        var first = ActorOf(Props.Create(() => new Echo()));
        var second = ActorOf(Props.Create(() => new Echo()));

        Assert.Equal($"striper://{Sys.Name}/user/$a", first.Path);
        Assert.Equal($"striper://{Sys.Name}/user/$b", second.Path);
    }

    [Fact]
    public void Context_should_expose_parent_and_children()
    {
        var root = ActorOf(Props.Create(() => new Node(TestActor, depth: 1)), "family");
        ExpectMsg<string>();
        ExpectMsg<string>();

        root.Tell("children", TestActor);

        var child = Assert.Single(ExpectMsg<IActorRef[]>());
        Assert.Equal(root.Path + "/n1", child.Path);
        child.Tell("parent", TestActor);
        Assert.Same(root, ExpectMsg<IActorRef>());
    }

    [Fact]
    public async Task Terminate_should_stop_every_actor_and_complete_WhenTerminated()
    {
        ActorOf(Props.Create(() => new Node(TestActor, depth: 2)), "a");
        ActorOf(Props.Create(() => new Node(TestActor, depth: 1)), "b");
        for (var i = 0; i < 5; i++)
        {
            ExpectMsg<string>(s => s.StartsWith("started", StringComparison.Ordinal));
        }

        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        var stopped = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            stopped.Add(ExpectMsg<string>(s => s.StartsWith("stopped", StringComparison.Ordinal)));
        }

        Assert.Equal(5, stopped.Distinct().Count());
        Assert.Same(Sys.WhenTerminated, Sys.Terminate());
        Assert.Throws<InvalidOperationException>(() => ActorOf(Props.Create(() => new Echo())));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class Node : ReceiveActor
    {
        private readonly IActorRef _probe;

        // Children are named n1, n2, ... by their level below the top-level node.
        public Node(IActorRef probe, int depth, int level = 1)
        {
            _probe = probe;
            if (depth > 0)
            {
                Context.ActorOf(Props.Create(() => new Node(probe, depth - 1, level + 1)), "n" + level);
            }

            Receive<string>(s =>
            {
                switch (s)
                {
                    case "create n1":
                        try
                        {
                            Context.ActorOf(Props.Create(() => new Node(probe, 0)), "n1");
                        }
                        catch (InvalidActorNameException ex)
                        {
                            Sender.Tell(ex);
                        }

                        break;
                    case "children":
                        Sender.Tell(Context.Children.ToArray());
                        break;
                    case "parent":
                        Sender.Tell(Context.Parent);
                        break;
                }
            });
        }

        protected override void PreStart() => _probe.Tell("started " + Self.Path);

        protected override void PostStop() => _probe.Tell("stopped " + Self.Path);
    }
}
