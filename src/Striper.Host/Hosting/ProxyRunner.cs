using System.Net;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Metrics;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Actors.Socks;
using Striper.Host.Cli;
using Striper.Host.Control;

namespace Striper.Host.Hosting;

/// <summary>Runs one proxy (client or server) until SIGINT or SIGTERM, then stops it cleanly.</summary>
internal static partial class ProxyRunner
{
    public static async Task<int> RunAsync(ProxyOptions options, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);

        // Before anything starts, so that a bad name or an unsafe setting is the only thing the user reads.
        var listen = ResolveListen(options.Listen);
        await using var environment = await StriperEnvironment.CreateAsync(
            options.Common, control: new ControlRequest(options.Control, options.IsClient), check: settings => CheckExposure(settings, listen, options));
        var logger = environment.LoggerFactory.CreateLogger("striper");
        var socks = options.Socks5 ? SocksFrontFor(environment.Settings) : null;
        await using var proxy = options.IsClient
            ? RunningProxy.StartClient(environment.System, listen, options.Remote, environment.Settings, socks: socks)
            : RunningProxy.StartServer(environment.System, listen, options.Remote, environment.Settings);

        if (socks is not null)
        {
            Log.SocksListening(
                logger, proxy.LocalEndPoint.ToString(), options.Remote.ToString(), environment.Settings.DescribeStripes(), socks.Users is null ? "no authentication" : $"{socks.Users.Count} users from {environment.Settings.SocksUsersFile}");
        }
        else if (options.IsClient)
        {
            Log.ClientListening(logger, proxy.LocalEndPoint.ToString(), options.Remote.ToString(), environment.Settings.DescribeStripes(), SubstreamTransportsParser.Format(environment.Settings.Transport));
        }
        else
        {
            Log.ServerListening(logger, proxy.LocalEndPoint.ToString(), options.Remote.ToString(), (environment.Settings.Transport & SubstreamTransports.Msp) != 0 ? "TCP and MSP on UDP" : "TCP");
        }

        Log.Security(logger, environment.Settings.Secret is null ? "no shared secret: substreams are not authenticated" : environment.Settings.Encrypt
            ? "shared secret from " + environment.Settings.SecretFile + ": substreams authenticated and encrypted"
            : "shared secret from " + environment.Settings.SecretFile + ": substreams authenticated");

        if (environment.StatusFeed is { } feed && environment.Control is { } control)
        {
            feed.Attach(
                new ProxyDescription(options.IsClient ? "client" : "server", proxy.LocalEndPoint.ToString(), options.Remote.ToString(), proxy.TcpCongestionControl), proxy.Metrics, proxy.Buffers);
            Log.ControlListening(logger, ControlSettings.Url(control.Listen));
        }

        environment.Registry.Register<RunningProxy>(proxy.Actor);
        DrainOnShutdown(environment.System, proxy, logger);

        // A proxy whose actor stops by itself (a failure its supervisor stopped) serves nobody: say so and exit 1.
        var stopped = await Task.WhenAny(shutdown.WaitAsync(), proxy.WhenStopped) == proxy.WhenStopped;
        if (stopped && !shutdown.IsRequested && CoordinatedShutdown.Get(environment.System).ShutdownReason is null)
        {
            Log.StoppedUnexpectedly(logger);
            return ExitCodes.Failure;
        }

        // Drain now, while the proxy is up: leaving this method disposes it, which would close every connection.
        Log.Stopping(logger);
        await environment.StopAsync();
        return ExitCodes.Success;
    }

    /// <summary>
    /// In coordinated shutdown's service-requests-done phase the proxy accepts no new connections and the open ones
    /// finish, for as long as that phase's timeout allows (<c>akka.coordinated-shutdown.phases.service-requests-done
    /// .timeout</c>); whatever is still open then is closed when the actors stop.
    /// </summary>
    private static void DrainOnShutdown(ActorSystem system, RunningProxy proxy, ILogger logger)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        var timeout = shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-connections", async () =>
        {
            using var limit = new CancellationTokenSource(timeout - TimeSpan.FromMilliseconds(100));
            try
            {
                await proxy.StopAcceptingAsync(limit.Token).ConfigureAwait(false);
                Log.Draining(logger);
                await proxy.DrainedAsync(limit.Token).ConfigureAwait(false);
                Log.Drained(logger);
            }
            catch (OperationCanceledException)
            {
                Log.DrainTimedOut(logger, timeout.TotalSeconds);
            }

            return Done.Instance;
        });
    }

    /// <summary>A proxy on a reachable address must not let just anyone through: it needs a secret (a server) or users (SOCKS), or --insecure.</summary>
    private static void CheckExposure(StriperSettings settings, IPEndPoint listen, ProxyOptions options)
    {
        if (options.Insecure || IPAddress.IsLoopback(listen.Address))
        {
            return;
        }

        if (!options.IsClient && settings.Secret is null)
        {
            throw new UsageException(
                $"a server without a shared secret would let anyone who reaches {options.Listen} use {options.Remote}: give --secret-file FILE (make one with 'striper secret --out FILE'), listen on loopback, or add --insecure.");
        }

        if (options.Socks5 && settings.SocksUsersFile is null)
        {
            throw new UsageException(
                $"a SOCKS proxy without users would let anyone who reaches {options.Listen} through to the server's allowed targets: set striper.socks.users-file, listen on loopback, or add --insecure.");
        }
    }

    /// <summary>The SOCKS front, with the users file's users if there is one (<see cref="CheckExposure"/> has allowed none).</summary>
    private static SocksFront SocksFrontFor(StriperSettings settings) =>
        new(settings.SocksUsersFile is { } file ? Socks5Users.Load(file) : null);

    /// <summary>A listen name that does not resolve is a mistake on the command line: one sentence and exit code 2, not a stack.</summary>
    private static System.Net.IPEndPoint ResolveListen(HostPort listen)
    {
        try
        {
            return listen.ToListenEndPoint();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ArgumentException)
        {
            throw new UsageException($"LISTEN: cannot resolve '{listen.Host}' to an address to listen on ({ex.Message}).");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "client proxy listening on {Listen}, striping to {Peer} over {Stripes} substreams ({Transport})")]
        public static partial void ClientListening(ILogger logger, string listen, string peer, string stripes, string transport);

        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "client proxy listening on {Listen} as a SOCKS5 proxy ({Authentication}), striping each connection to {Peer} over {Stripes} substreams")]
        public static partial void SocksListening(ILogger logger, string listen, string peer, string stripes, string authentication);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "server proxy listening on {Listen} (substreams on {Transports}), forwarding to {Target}")]
        public static partial void ServerListening(ILogger logger, string listen, string target, string transports);

        [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "control endpoint on {Url}: dashboard at /, /api/status (striper status), /metrics (Prometheus)")]
        public static partial void ControlListening(ILogger logger, string url);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Security}")]
        public static partial void Security(ILogger logger, string security);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "stopping")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "draining: new connections are refused, open ones may finish")]
        public static partial void Draining(ILogger logger);

        [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "every connection has ended")]
        public static partial void Drained(ILogger logger);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "connections still open after {Seconds}s (akka.coordinated-shutdown.phases.service-requests-done.timeout): closing them")]
        public static partial void DrainTimedOut(ILogger logger, double seconds);

        [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "the proxy stopped unexpectedly (see the error above); exiting")]
        public static partial void StoppedUnexpectedly(ILogger logger);
    }
}
