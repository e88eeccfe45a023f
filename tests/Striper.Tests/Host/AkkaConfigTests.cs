using Serilog.Events;
using Striper.Host.Cli;
using Striper.Host.Hosting;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>
/// The <c>akka</c> block of a <c>--config</c> file tunes the actor system Striper runs on, except for what Striper
/// relies on (its supervision and never printing to standard output) and the log level, which -v, -q and
/// striper.log.level decide for both logs.
/// </summary>
public sealed class AkkaConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-akka-").FullName;

    [Fact]
    public async Task An_akka_block_in_the_config_file_should_reach_the_actor_system()
    {
        var path = Path.Combine(_directory, "tuned.conf");
        await File.WriteAllTextAsync(path, """
            akka {
              actor.default-dispatcher.throughput = 7
              scheduler.tick-duration = 20ms
              loglevel = DEBUG
            }
            striper.stripes = 3
            """);

        await using var environment = await StriperEnvironment.CreateAsync(new CommonOptions(path, Stripes: null, Verbose: false, Quiet: false));

        var config = environment.System.Settings.Config;
        Assert.Equal(7, config.GetInt("akka.actor.default-dispatcher.throughput"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), config.GetTimeSpan("akka.scheduler.tick-duration"));
        Assert.Equal(3, environment.Settings.Stripes);

        // The built-in file's akka block is there too: a proxy drains for 30 s, not Akka's 5.
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("akka.coordinated-shutdown.phases.service-requests-done.timeout"));

        // striper.log.level (info by default) governs Akka's log too, whatever the akka block says.
        Assert.Equal(Akka.Event.LogLevel.InfoLevel, Akka.Event.Logging.LogLevelFor(environment.System.Settings.LogLevel));
    }

    [Fact]
    public void The_log_level_flags_and_Striper_s_own_akka_settings_should_win_over_the_file()
    {
        var user = TestConfig.Load("""
            akka.loglevel = ERROR
            akka.stdout-loglevel = DEBUG
            akka.actor.default-dispatcher.throughput = 9
            """).Merged;

        var config = StriperEnvironment.AkkaConfig(user, LogEventLevel.Debug);

        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        Assert.Equal("WARNING", config.GetString("akka.stdout-loglevel"));
        Assert.Equal(9, config.GetInt("akka.actor.default-dispatcher.throughput"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
