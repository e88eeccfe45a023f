using System.Net;
using Microsoft.Extensions.Logging;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary>Runs one proxy (client or server) until SIGINT or SIGTERM, then stops it cleanly.</summary>
internal static partial class ProxyRunner
{
    public static async Task<int> RunAsync(ProxyOptions options, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);

        await using var environment = StriperEnvironment.Create(options.Common);
        var logger = environment.LoggerFactory.CreateLogger("striper");
        var listen = ResolveListen(options.Listen);
        if (!options.IsClient && environment.Settings.Secret is null && !options.Insecure && !IPAddress.IsLoopback(listen.Address))
        {
            throw new UsageException(
                $"a server without a shared secret would let anyone who reaches {options.Listen} use {options.Remote}: give --secret-file FILE (make one with 'striper secret --out FILE'), listen on loopback, or add --insecure.");
        }

        await using var proxy = options.IsClient
            ? RunningProxy.StartClient(environment.System, listen, options.Remote, environment.Settings)
            : RunningProxy.StartServer(environment.System, listen, options.Remote, environment.Settings);

        if (options.IsClient)
        {
            Log.ClientListening(logger, proxy.LocalEndPoint.ToString(), options.Remote.ToString(), environment.Settings.Stripes, SubstreamTransportsParser.Format(environment.Settings.Transport));
        }
        else
        {
            Log.ServerListening(logger, proxy.LocalEndPoint.ToString(), options.Remote.ToString(), (environment.Settings.Transport & SubstreamTransports.Msp) != 0 ? "TCP and MSP on UDP" : "TCP");
        }

        Log.Security(logger, environment.Settings.Secret is null ? "no shared secret: substreams are not authenticated" : environment.Settings.Encrypt
            ? "shared secret from " + environment.Settings.SecretFile + ": substreams authenticated and encrypted"
            : "shared secret from " + environment.Settings.SecretFile + ": substreams authenticated");

        await shutdown.WaitAsync();
        Log.Stopping(logger);
        return ExitCodes.Success;
    }

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
        public static partial void ClientListening(ILogger logger, string listen, string peer, int stripes, string transport);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "server proxy listening on {Listen} (substreams on {Transports}), forwarding to {Target}")]
        public static partial void ServerListening(ILogger logger, string listen, string target, string transports);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Security}")]
        public static partial void Security(ILogger logger, string security);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "stopping")]
        public static partial void Stopping(ILogger logger);
    }
}
