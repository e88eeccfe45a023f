using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Striper.Actors.Services;

namespace Striper.Host.Hosting;

/// <summary>
/// The generic host every command runs its actor system in, started by Akka.Hosting (<c>AddAkka</c>): Striper's
/// required Akka settings over the user's <c>akka { }</c> block, Akka's log to Serilog, and the logger factory the
/// actors use. The host has no console lifetime (<see cref="RunnerLifetime"/>): a runner stops the host itself, which runs Akka's coordinated shutdown (the proxies drain there).
/// </summary>
internal static class StriperActorHost
{
    public const string SystemName = "striper";

    /// <summary>
    /// Akka would run coordinated shutdown itself on SIGTERM (its CLR shutdown hook), before the runner has said
    /// "stopping"; the runner owns the signals and stops the host, which runs it once, in order.
    /// </summary>
    private static readonly Config HostOwnsShutdown = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off");

    /// <param name="config">What the actor system runs on (<see cref="StriperEnvironment.AkkaConfig"/>): Striper's required settings first.</param>
    public static async Task<IHost> StartAsync(Config config, ILoggerFactory loggerFactory, LogEventLevel level)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, RunnerLifetime>();
        builder.Services.AddAkka(SystemName, akka =>
        {
            akka.AddHocon(HostOwnsShutdown.WithFallback(config), HoconAddMode.Prepend);
            akka.AddSetup(new StriperSetup(loggerFactory));
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
                loggers.LogLevel = AkkaLogging.LevelFor(level);
            });
        });
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }
}
