using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Settings;
using Striper.Host.Cli;
using Striper.Host.Control;

namespace Striper.Host.Hosting;

/// <summary>
/// What every command starts from: the merged configuration, the typed settings (flags applied last),
/// the logger factory and an actor system. Disposing it stops every actor and flushes the log.
/// </summary>
internal sealed class StriperEnvironment : IAsyncDisposable
{
    private readonly IHost _host;
    private Task? _stopping;

    private StriperEnvironment(LoadedConfig config, StriperSettings settings, ILoggerFactory loggerFactory, IHost host, ControlOptions? control, StatusFeed? feed)
    {
        Control = control;
        StatusFeed = feed;
        Configuration = config;
        Settings = settings;
        LoggerFactory = loggerFactory;
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    /// <summary>The merged configuration: the user's file over the built-in config.hocon.</summary>
    public Config Config => Configuration.Merged;

    /// <summary>Reads a setting later (after start) so that a bad value's error still names the user's file.</summary>
    public LoadedConfig Configuration { get; }

    public StriperSettings Settings { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ActorSystem System { get; }

    /// <summary>Where the control endpoint listens, when this environment serves one.</summary>
    public ControlOptions? Control { get; }

    /// <summary>What the control endpoint shows; the runner attaches its proxy once it runs.</summary>
    public StatusFeed? StatusFeed { get; }

    /// <summary>Akka.Hosting's registry: each runner registers the top-level actors it starts (proxies, nodes, listeners).</summary>
    public ActorRegistry Registry { get; }

    /// <param name="throwawaySecret">The demo: with encryption asked for and no secret file, make a secret that lives in memory only.</param>
    /// <param name="control">A proxy: serve the control endpoint as striper.control and --control say, for a client or a server.</param>
    /// <param name="check">Refuses settings the command cannot run with (a <see cref="UsageException"/>), before anything starts or logs.</param>
    public static async Task<StriperEnvironment> CreateAsync(
        CommonOptions options, bool throwawaySecret = false, ControlRequest? control = null, Action<StriperSettings>? check = null)
    {
        var config = ConfigLoader.Load(options.ConfigFile);
        var settings = config.Read(StriperSettingsReader.Read);
        config.Use(SocketEngineTuning.Apply);
        if (options.Stripes is { } stripes)
        {
            settings = settings with { Stripes = stripes == Cli.StriperCommand.AutoStripes ? null : stripes };
        }

        if (options.Transport is { } transport)
        {
            settings = settings with { Transport = transport };
        }

        if (options.CongestionControl is { } congestionControl)
        {
            settings = settings with { TcpCongestionControl = congestionControl };
        }

        settings = WithSecret(settings, options, throwawaySecret);
        check?.Invoke(settings);

        var configured = config.Read(ReadLogLevel);
        var level = Logging.Effective(configured, options.Verbose ? 1 : 0, options.Quiet);
        var loggerFactory = Logging.Create(level);
        StatusFeed? feed = null;
        try
        {
            var controlOptions = control is null ? null : ChooseControl(config, control, loggerFactory);
            feed = controlOptions is null ? null : new StatusFeed();
            IHost host;
            try
            {
                host = await StriperActorHost.StartAsync(AkkaConfig(config.Merged, level), loggerFactory, level, controlOptions, feed).ConfigureAwait(false);
            }
            catch (ProxyStartException) when (controlOptions is { IsDefault: true } && control is not null)
            {
                // The role's default port was free when ChooseControl looked and taken when Kestrel bound it (another
                // proxy starting at the same moment): as if it had been taken all along, the demo serves it on any
                // free port and a proxy runs without one.
                controlOptions = InsteadOfTaken(controlOptions, control, loggerFactory);
                if (controlOptions is null)
                {
                    feed?.Dispose();
                    feed = null;
                }

                host = await StriperActorHost.StartAsync(AkkaConfig(config.Merged, level), loggerFactory, level, controlOptions, feed).ConfigureAwait(false);
            }

            return new StriperEnvironment(config, settings, loggerFactory, host, controlOptions, feed);
        }
        catch
        {
            feed?.Dispose();
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What the actor system runs on, strongest first: the settings Striper's actors rely on, then the logging that
    /// striper.log.level, -v and -q chose (so the flags win over an akka.loglevel in the file: one level governs
    /// both logs), then the file's <c>akka</c> block (dispatchers, mailboxes, ...), then Akka's own defaults.
    /// </summary>
    internal static Config AkkaConfig(Config userConfig, LogEventLevel level) =>
        StriperAkkaConfig.Required.WithFallback(AkkaLogging.For(level)).WithFallback(userConfig);

    /// <summary>
    /// Where the control endpoint listens, or null for none. An address given explicitly must be free; the role's
    /// default may be taken (another proxy on this machine): the proxy then runs without one, or the demo on any port.
    /// </summary>
    private static ControlOptions? ChooseControl(LoadedConfig config, ControlRequest request, ILoggerFactory loggerFactory)
    {
        var options = config.Read(c => ControlSettings.Read(c, request.Flag, request.IsClient));
        if (options is null || ControlSettings.IsFree(options.Listen))
        {
            return options;
        }

        if (!options.IsDefault)
        {
            throw new ProxyStartException($"cannot serve the control endpoint on {options.Listen}: address already in use");
        }

        return InsteadOfTaken(options, request, loggerFactory);
    }

    /// <summary>When the role's default address is taken: the demo serves on any free port, a proxy runs without one.</summary>
    private static ControlOptions? InsteadOfTaken(ControlOptions options, ControlRequest request, ILoggerFactory loggerFactory)
    {
        if (request.AnyPortIfTaken)
        {
            return options with { Listen = new System.Net.IPEndPoint(options.Listen.Address, ControlSettings.FreePort(options.Listen.Address)) };
        }

        LogControlTaken(loggerFactory, options.Listen.ToString());
        return null;
    }

    private static void LogControlTaken(ILoggerFactory loggerFactory, string listen) =>
        loggerFactory.CreateLogger("striper").LogWarning(
            "control endpoint off: {Listen} is taken (another proxy on this machine?); set striper.control.listen or --control to serve one", listen);

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

    /// <summary>
    /// Stops the host, which runs Akka's coordinated shutdown: the tasks runners added (a proxy's drain) run in
    /// their phases, bounded by each phase's timeout, and then the actor system terminates. A runner calls this
    /// while its proxies are still up, so that they drain; calling it again returns the same task.
    /// </summary>
    public Task StopAsync() => _stopping ??= _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        StatusFeed?.Dispose();
        _host.Dispose();
        LoggerFactory.Dispose();
    }
}
