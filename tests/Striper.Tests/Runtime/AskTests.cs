using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class AskTests : TestKitBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly ManualTimeProvider _clock;

    public AskTests()
        : this(new ManualTimeProvider())
    {
    }

    private AskTests(ManualTimeProvider clock)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        _clock = clock;
    }

    [Fact]
    public async Task Ask_should_complete_with_a_reply_of_the_expected_type_and_release_its_timer()
    {
        var actor = ActorOf(Props.Create(() => new Replier()));

        var reply = await actor.Ask<string>("hello", Timeout);

        Assert.Equal("hello", reply);
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public async Task Ask_should_fault_with_the_cause_of_a_Status_Failure()
    {
        var actor = ActorOf(Props.Create(() => new Replier()));
        var cause = new InvalidOperationException("nope");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => actor.Ask<string>(new Status.Failure(cause), Timeout));

        Assert.Same(cause, thrown);
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public async Task Ask_should_fault_with_InvalidCastException_for_a_reply_of_another_type()
    {
        var actor = ActorOf(Props.Create(() => new Replier()));

        var thrown = await Assert.ThrowsAsync<InvalidCastException>(() => actor.Ask<int>("not a number", Timeout));

        Assert.Contains("Int32", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("String", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_should_time_out_with_an_exception_naming_the_target_and_the_timeout()
    {
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var actor = ActorOf(Props.Create(() => new Hoarder()), "silent");
        var task = actor.Ask<string>("anyone?", Timeout);

        _clock.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(task.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var thrown = await Assert.ThrowsAsync<AskTimeoutException>(() => task);
        Assert.Contains(actor.Path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("2000 ms", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0, _clock.ActiveTimerCount);

        actor.Tell("reply now"); // a late reply is a dead letter, not an error
        Assert.Equal("late", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public async Task Ask_should_be_cancellable()
    {
        var actor = ActorOf(Props.Create(() => new Hoarder()));
        using var cts = new CancellationTokenSource();
        var task = actor.Ask<string>("anyone?", Timeout, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public async Task Ask_should_send_from_a_temporary_ref()
    {
        var actor = ActorOf(Props.Create(() => new Replier()));

        var senderPath = await actor.Ask<string>("who", Timeout);

        Assert.StartsWith($"striper://{Sys.Name}/temp/", senderPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_should_work_against_a_probe()
    {
        var task = TestActor.Ask<string>("question", TimeSpan.FromSeconds(5));

        Assert.Equal("question", ExpectMsg<string>());
        TestActor.Reply("answer");

        Assert.Equal("answer", await task);
    }

    private sealed class Replier : ReceiveActor
    {
        public Replier()
        {
            Receive<string>(_ => Sender.Tell(Sender.Path), s => s == "who");
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    // Keeps the asker and replies only when told to, i.e. after the Ask has timed out.
    private sealed class Hoarder : ReceiveActor
    {
        private IActorRef _asker = ActorRefs.Nobody;

        public Hoarder()
        {
            Receive<string>(_ => _asker.Tell("late"), s => s == "reply now");
            Receive<string>(_ => _asker = Sender);
        }
    }
}
