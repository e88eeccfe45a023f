using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Configuration;
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

    /// <param name="throwawaySecret">The demo: with encryption asked for and no secret file, make a secret that lives in memory only.</param>
    public static StriperEnvironment Create(CommonOptions options, bool throwawaySecret = false)
    {
        var config = ConfigLoader.Load(options.ConfigFile);
        var settings = StriperSettingsReader.Read(config);
        SocketEngineTuning.Apply(config);
        if (options.Stripes is { } stripes)
        {
            settings = settings with { Stripes = stripes };
        }

        if (options.Transport is { } transport)
        {
            settings = settings with { Transport = transport };
        }

        settings = WithSecret(settings, options, throwawaySecret);

        var levelText = config.GetString("striper.log.level");
        if (!Logging.TryParseLevel(levelText, out var configured))
        {
            throw new HoconException($"{config.OriginOf("striper.log.level")}: striper.log.level must be one of {Logging.LevelChoices}, got '{levelText}'");
        }

        var level = Logging.Effective(configured, options.Verbose ? 1 : 0, options.Quiet);
        var loggerFactory = Logging.Create(level);
        var akkaConfig = StriperAkkaConfig.Required.WithFallback(AkkaLogging.For(level));
        var system = ActorSystem.Create("striper", BootstrapSetup.Create().WithConfig(akkaConfig).And(new StriperSetup(loggerFactory)));
        return new StriperEnvironment(config, settings, loggerFactory, system);
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
