using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Striper.Actors.Configuration;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary>
/// What every command starts from: the merged configuration, the typed settings (flags applied last),
/// the logger factory and an actor system. Disposing it stops every actor and flushes the log.
/// </summary>
internal sealed class StriperEnvironment : IAsyncDisposable
{
    private readonly IHost _host;
    private Task? _stopping;

    private StriperEnvironment(HoconConfig config, StriperSettings settings, ILoggerFactory loggerFactory, IHost host)
    {
        Config = config;
        Settings = settings;
        LoggerFactory = loggerFactory;
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public HoconConfig Config { get; }

    public StriperSettings Settings { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ActorSystem System { get; }

    /// <summary>Akka.Hosting's registry: each runner registers the top-level actors it starts (proxies, nodes, listeners).</summary>
    public ActorRegistry Registry { get; }

    /// <param name="throwawaySecret">The demo: with encryption asked for and no secret file, make a secret that lives in memory only.</param>
    public static async Task<StriperEnvironment> CreateAsync(CommonOptions options, bool throwawaySecret = false)
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
        var host = await StriperActorHost.StartAsync(AkkaLogging.For(level), loggerFactory, level).ConfigureAwait(false);
        return new StriperEnvironment(config, settings, loggerFactory, host);
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

    /// <summary>
    /// Stops the host, which runs Akka's coordinated shutdown: the tasks runners added (a proxy's drain) run in
    /// their phases, bounded by each phase's timeout, and then the actor system terminates. A runner calls this
    /// while its proxies are still up, so that they drain; calling it again returns the same task.
    /// </summary>
    public Task StopAsync() => _stopping ??= _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _host.Dispose();
        LoggerFactory.Dispose();
    }
}
