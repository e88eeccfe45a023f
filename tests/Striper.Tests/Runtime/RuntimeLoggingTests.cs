using Microsoft.Extensions.Logging;
using Striper.Actors.Runtime;
using Striper.Tests.TestKit;

namespace Striper.Tests.Runtime;

public sealed class RuntimeLoggingTests : TestKitBase
{
    private static readonly string DeadLetterCategory = "Striper.Actors.Runtime.DeadLetters";
    private readonly ManualTimeProvider _clock;
    private readonly CapturingLoggerFactory _logs;

    public RuntimeLoggingTests()
        : this(new ManualTimeProvider(), new CapturingLoggerFactory())
    {
    }

    private RuntimeLoggingTests(ManualTimeProvider clock, CapturingLoggerFactory logs)
        : base(new ActorSystemOptions { TimeProvider = clock, LoggerFactory = logs })
    {
        _clock = clock;
        _logs = logs;
    }

    [Fact]
    public void Dead_letter_should_be_logged_at_debug_with_type_and_recipient_but_not_the_payload()
    {
        var actor = ActorOf(Props.Create(() => new Quiet()), "quiet");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        actor.Tell(new Secret("hunter2"), TestActor);

        var entry = Assert.Single(DeadLetterEntries());
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Contains(typeof(Secret).FullName!, entry.Message, StringComparison.Ordinal);
        Assert.Contains(actor.Path, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dead_letter_logging_should_be_rate_limited_and_report_the_suppressed_count()
    {
        for (var i = 0; i < 50; i++)
        {
            Sys.DeadLetters.Tell(i);
        }

        Assert.Equal(10, DeadLetterEntries().Count);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Sys.DeadLetters.Tell("next window");

        var entries = DeadLetterEntries();
        Assert.Equal(12, entries.Count);
        Assert.StartsWith("40 dead letters were not logged", entries[10].Message, StringComparison.Ordinal);
        Assert.Contains("System.String", entries[11].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Actor_failure_should_be_logged_as_a_warning_with_path_directive_and_exception()
    {
        var actor = ActorOf(Props.Create(() => new Quiet()), "fragile");

        actor.Tell(new InvalidOperationException("broken"));
        actor.Tell("echo", TestActor);
        ExpectMsg<string>(); // answered by the restarted instance, so the failure was handled

        var entry = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(actor.Path, entry.Message, StringComparison.Ordinal);
        Assert.Contains("Restart", entry.Message, StringComparison.Ordinal);
        Assert.Equal("broken", entry.Exception?.Message);
    }

    [Fact]
    public void Context_Log_should_use_the_actor_path_as_category()
    {
        var actor = ActorOf(Props.Create(() => new Quiet()), "chatty");

        actor.Tell("log", TestActor);
        ExpectMsg<string>();

        Assert.Contains(_logs.Entries, e => e.Category == actor.Path && e.Message == "hello from the actor");
    }

    [Fact]
    public void Failure_reaching_the_root_should_be_logged_as_a_warning_and_resume_the_guardian()
    {
        var root = new RootGuardianRef(Sys, $"striper://{Sys.Name}");
        var guardian = CreateTestProbe();

        root.SendSystemMessage(SystemMessage.Failed(guardian, new InvalidOperationException("escaped")));

        var entry = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("root", entry.Message, StringComparison.Ordinal);
        Assert.Equal("escaped", entry.Exception?.Message);
        Assert.False(Sys.WhenTerminated.IsCompleted);
    }

    private List<LogEntry> DeadLetterEntries() => _logs.Entries.Where(e => e.Category == DeadLetterCategory).ToList();

    private sealed record Secret(string Password);

    private sealed class Quiet : ReceiveActor
    {
        public Quiet()
        {
            Receive<Exception>(ex => throw ex);
            Receive<string>(
                _ =>
                {
                    Context.Log.LogInformation("hello from the actor");
                    Sender.Tell("logged");
                },
                s => s == "log");
            Receive<string>(s => Sender.Tell(s));
        }
    }
}
