using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Striper.Actors.Proxy;
using Striper.Actors.Services;
using Striper.Host.Control;

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
    /// <param name="control">With it, the same host also runs Kestrel with the control endpoint, serving <paramref name="feed"/>.</param>
    public static async Task<IHost> StartAsync(Config config, ILoggerFactory loggerFactory, LogEventLevel level, ControlOptions? control = null, StatusFeed? feed = null)
    {
        IHost host;
        if (control is null || feed is null)
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            AddServices(builder.Services, config, loggerFactory, level);
            host = builder.Build();
        }
        else
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(control.Listen);
                kestrel.AddServerHeader = false;
            });
            builder.Services.AddRoutingCore();
            AddServices(builder.Services, config, loggerFactory, level);
            var app = builder.Build();
            ControlEndpoints.Map(app, feed, control.Token);
            host = app;
        }

        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex) when (control is not null)
        {
            await host.StopAsync().ConfigureAwait(false);
            host.Dispose();
            throw new ProxyStartException($"cannot serve the control endpoint on {control.Listen}: {ex.Message}", ex);
        }

        return host;
    }

    private static void AddServices(IServiceCollection services, Config config, ILoggerFactory loggerFactory, LogEventLevel level)
    {
        services.AddSingleton(loggerFactory);
        services.AddSingleton<IHostLifetime, RunnerLifetime>();
        services.AddAkka(SystemName, akka =>
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
    }
}
