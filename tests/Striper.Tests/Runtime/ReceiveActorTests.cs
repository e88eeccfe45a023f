using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class ReceiveActorTests : TestKitBase
{
    [Fact]
    public void Become_should_replace_the_current_behaviour()
    {
        var actor = ActorOf(Props.Create(() => new Switcher()));

        actor.Tell("x", TestActor);
        Assert.Equal("A:x", ExpectMsg<string>());
        actor.Tell("switch", TestActor);
        actor.Tell("x", TestActor);
        Assert.Equal("B:x", ExpectMsg<string>());
        actor.Tell("switch", TestActor);
        actor.Tell("x", TestActor);
        Assert.Equal("A:x", ExpectMsg<string>());
    }

    [Fact]
    public void First_matching_handler_should_win()
    {
        var actor = ActorOf(Props.Create(() => new Matcher()));

        actor.Tell("xyz", TestActor);
        Assert.Equal("predicate", ExpectMsg<string>());
        actor.Tell("abc", TestActor);
        Assert.Equal("string", ExpectMsg<string>());
        actor.Tell(42, TestActor);
        Assert.Equal("any", ExpectMsg<string>());
    }

    [Fact]
    public void Unhandled_message_should_become_a_dead_letter()
    {
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var actor = ActorOf(Props.Create(() => new StringsOnly()));

        actor.Tell(42, TestActor);

        var letter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(42, letter.Message);
        Assert.Same(TestActor, letter.Sender);
        Assert.Same(actor, letter.Recipient);
    }

    [Fact]
    public void Registering_a_handler_outside_the_constructor_or_Become_should_fail()
    {
        var actor = ActorOf(Props.Create(() => new LateRegistrar()));

        actor.Tell("register", TestActor);

        ExpectMsg<InvalidOperationException>();
    }

    [Fact]
    public void Context_and_Self_should_be_usable_in_the_constructor()
    {
        var actor = ActorOf(Props.Create(() => new ReportsPathInConstructor(TestActor)), "named");

        Assert.Equal(actor.Path, ExpectMsg<string>());
        Assert.Equal($"striper://{Sys.Name}/user/named", actor.Path);
    }

    [Fact]
    public void Creating_an_actor_with_new_should_fail()
    {
        Assert.Throws<InvalidOperationException>(() => new StringsOnly());
    }

    private sealed class Switcher : ReceiveActor
    {
        public Switcher() => A();

        private void A() => Become(() =>
        {
            Receive<string>(_ => Become(B), s => s == "switch");
            Receive<string>(s => Sender.Tell("A:" + s));
        });

        private void B()
        {
            Receive<string>(_ => A(), s => s == "switch");
            Receive<string>(s => Sender.Tell("B:" + s));
        }
    }

    private sealed class Matcher : ReceiveActor
    {
        public Matcher()
        {
            Receive<string>(_ => Sender.Tell("predicate"), s => s.StartsWith('x'));
            Receive<string>(_ => Sender.Tell("string"));
            ReceiveAny(_ => Sender.Tell("any"));
            Receive<int>(_ => Sender.Tell("never reached"));
        }
    }

    private sealed class StringsOnly : ReceiveActor
    {
        public StringsOnly() => Receive<string>(_ => { });
    }

    private sealed class LateRegistrar : ReceiveActor
    {
        public LateRegistrar() => Receive<string>(_ =>
        {
            try
            {
                Receive<int>(_ => { });
            }
            catch (InvalidOperationException ex)
            {
                Sender.Tell(ex);
            }
        });
    }

    private sealed class ReportsPathInConstructor : ReceiveActor
    {
        public ReportsPathInConstructor(IActorRef probe) => probe.Tell(Context.Self.Path);
    }
}
