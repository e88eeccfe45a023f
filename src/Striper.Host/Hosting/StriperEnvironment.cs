using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary>
/// What every command starts from: the merged configuration, the typed settings (flags applied last),
/// the logger factory and an actor system. Disposing it stops every actor and flushes the log.
/// </summary>
internal sealed class StriperEnvironment : IAsyncDisposable
{
    private StriperEnvironment(LoadedConfig config, StriperSettings settings, ILoggerFactory loggerFactory, ActorSystem system)
    {
        Configuration = config;
        Settings = settings;
        LoggerFactory = loggerFactory;
        System = system;
    }

    /// <summary>The merged configuration: the user's file over the built-in config.hocon.</summary>
    public Config Config => Configuration.Merged;

    /// <summary>Reads a setting later (after start) so that a bad value's error still names the user's file.</summary>
    public LoadedConfig Configuration { get; }

    public StriperSettings Settings { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ActorSystem System { get; }

    /// <param name="throwawaySecret">The demo: with encryption asked for and no secret file, make a secret that lives in memory only.</param>
    public static StriperEnvironment Create(CommonOptions options, bool throwawaySecret = false)
    {
        var config = ConfigLoader.Load(options.ConfigFile);
        var settings = config.Read(StriperSettingsReader.Read);
        config.Use(SocketEngineTuning.Apply);
        if (options.Stripes is { } stripes)
        {
            settings = settings with { Stripes = stripes };
        }

        if (options.Transport is { } transport)
        {
            settings = settings with { Transport = transport };
        }

        settings = WithSecret(settings, options, throwawaySecret);

        var configured = config.Read(ReadLogLevel);
        var level = Logging.Effective(configured, options.Verbose ? 1 : 0, options.Quiet);
        var loggerFactory = Logging.Create(level);
        var system = ActorSystem.Create("striper", BootstrapSetup.Create().WithConfig(AkkaConfig(config.Merged, level)).And(new StriperSetup(loggerFactory)));
        return new StriperEnvironment(config, settings, loggerFactory, system);
    }

    /// <summary>
    /// What the actor system runs on, strongest first: the settings Striper's actors rely on, then the logging that
    /// striper.log.level, -v and -q chose (so the flags win over an akka.loglevel in the file: one level governs
    /// both logs), then the file's <c>akka</c> block (dispatchers, mailboxes, ...), then Akka's own defaults.
    /// </summary>
    internal static Config AkkaConfig(Config userConfig, LogEventLevel level) =>
        StriperAkkaConfig.Required.WithFallback(AkkaLogging.For(level)).WithFallback(userConfig);

    private static LogEventLevel ReadLogLevel(Config config)
    {
        var levelText = ConfigValues.GetString(config, "striper.log.level");
        return Logging.TryParseLevel(levelText, out var configured)
            ? configured
            : throw new ConfigException($"striper.log.level must be one of {Logging.LevelChoices}, got '{levelText}'", ["striper.log.level"]);
    }

    private static StriperSettings WithSecret(StriperSettings settings, CommonOptions options, bool throwawaySecret)
    {
        var demanded = options.Encrypt || settings.Encryption == EncryptionMode.On;
        var file = options.SecretFile ?? settings.SecretFile;
        if (file is not null)
        {
            return settings with { Secret = SecretFile.Load(file), SecretFile = file, Encrypt = demanded || settings.Encryption == EncryptionMode.Auto };
        }

        if (demanded && throwawaySecret)
        {
            return settings with { Secret = SharedSecret.CreateRandom(), Encrypt = true };
        }

        return demanded
            ? throw new UsageException("--encrypt (or striper.encrypt = on) needs a shared secret: give --secret-file FILE (make one with 'striper secret --out FILE').")
            : settings;
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        LoggerFactory.Dispose();
    }

}
