using Microsoft.Extensions.Logging;
using Striper.Actors.Configuration;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary>
/// What every command starts from: the merged configuration, the typed settings (flags applied last),
/// the logger factory and an actor system. Disposing it stops every actor and flushes the log.
/// </summary>
internal sealed class StriperEnvironment : IAsyncDisposable
{
    private StriperEnvironment(HoconConfig config, StriperSettings settings, ILoggerFactory loggerFactory, ActorSystem system)
    {
        Config = config;
        Settings = settings;
        LoggerFactory = loggerFactory;
        System = system;
    }

    public HoconConfig Config { get; }

    public StriperSettings Settings { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ActorSystem System { get; }

    public static StriperEnvironment Create(CommonOptions options)
    {
        var config = ConfigLoader.Load(options.ConfigFile);
        var settings = StriperSettingsReader.Read(config);
        if (options.Stripes is { } stripes)
        {
            settings = settings with { Stripes = stripes };
        }

        var levelText = config.GetString("striper.log.level");
        if (!Logging.TryParseLevel(levelText, out var configured))
        {
            throw new HoconException($"{config.OriginOf("striper.log.level")}: striper.log.level must be one of {Logging.LevelChoices}, got '{levelText}'");
        }

        var loggerFactory = Logging.Create(Logging.Effective(configured, options.Verbose ? 1 : 0, options.Quiet));
        var system = ActorSystem.Create("striper", new ActorSystemOptions { LoggerFactory = loggerFactory });
        return new StriperEnvironment(config, settings, loggerFactory, system);
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        LoggerFactory.Dispose();
    }

}
