using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Actors.Tunnel;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary>
/// <c>striper msp listen|connect|node|services</c>: starts an MDP node (identity, UDP sockets, neighbours, routing), then a
/// listener, connecting bridges, nothing more (a node that only routes) or a look at the mesh's services, and runs until
/// the single stream ends (--once, or standard input/output), the services are printed, or a signal arrives.
/// Standard output carries tunnel data in stdio mode (and the services table), so everything else goes to the log on
/// standard error.
/// </summary>
internal static partial class MspTunnelRunner
{
    public static async Task<int> RunAsync(MspOptions options, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        await using var environment = await StriperEnvironment.CreateAsync(options.Common);
        var logger = environment.LoggerFactory.CreateLogger("striper.msp");
        var config = environment.Configuration;
        var mdp = environment.Settings.Mdp;
        var msp = environment.Settings.Msp;
        var binds = (options.Binds ?? config.Read(c => Parse(c, "striper.mdp.bind", MspOptions.TryParseBind))).Select(b => b.ToListenEndPoint()).ToList();
        var peers = await ResolveAsync(options.Peers ?? config.Read(c => Parse(c, "striper.mdp.peers", HostPort.TryParse)), cancellationToken);
        var identityPath = IdentityRunner.ResolvePath(options.IdentityFile, options.Common);
        using var identity = IdentityStore.LoadOrCreate(identityPath, out var created);
        if (created)
        {
            Log.IdentityCreated(logger, Path.GetFullPath(IdentityStore.ExpandHome(identityPath)));
        }

        await using var node = RunningMdpNode.Start(environment.System, identity, mdp, binds, peers);
        environment.Registry.Register<RunningMdpNode>(node.Node);
        Log.NodeStarted(logger, identity.Sid.Hex, string.Join(", ", node.LocalEndPoints));

        var reports = Channel.CreateUnbounded<object>();
        var relay = environment.System.ActorOf(CallbackActor.Props(m => reports.Writer.TryWrite(m)), "reports");

        try
        {
            return options.Mode switch
            {
                MspMode.Listen => await ListenAsync(options, environment.System, node, msp, relay, reports.Reader, logger, shutdown.Token),
                MspMode.Connect => await ConnectAsync(
                    await ResolveServiceAsync(options, node, logger, shutdown.Token), environment.System, node, msp, relay, reports.Reader, logger, shutdown.Token),
                MspMode.Node => await RouteOnlyAsync(shutdown.Token),
                _ => await PrintServicesAsync(options, node, shutdown.Token),
            };
        }
        catch (OperationCanceledException) when (shutdown.IsRequested)
        {
            Log.Stopping(logger);
            return ExitCodes.Success;
        }
        finally
        {
            await LogStatsAsync(node, logger).ConfigureAwait(false);
        }
    }

    private static async Task LogStatsAsync(RunningMdpNode node, ILogger logger)
    {
        try
        {
            var stats = await node.GetStatsAsync().ConfigureAwait(false);
            Log.Stats(logger, stats.DatagramsSent, stats.DatagramsReceived, stats.Retransmissions, stats.GivenUp, stats.WindowOverflows, stats.InvalidDropped, stats.LinksExpired, stats.HellosThrottled);
            Log.RoutingStats(logger, stats.Forwarded, stats.NoRouteDropped, stats.HopLimitDropped, stats.AnnouncementsAccepted, stats.AnnouncementsMalformed, stats.AnnouncementsForged);
        }
        catch (AskTimeoutException)
        {
            // The node is already gone (the system is stopping): no figures to report.
        }
    }

    private static async Task<int> ListenAsync(MspOptions options, ActorSystem system, RunningMdpNode node, MspSettings msp, IActorRef relay, ChannelReader<object> reports, ILogger logger, CancellationToken token)
    {
        var stdio = options.ForwardPort is null;
        var once = options.Once || stdio;
        Func<CancellationToken, Task<IByteDuplex>> open = options.ForwardPort is { } forward
            ? ct => ConnectLoopbackAsync(forward, ct)
            : _ => Task.FromResult<IByteDuplex>(new StreamDuplex(Console.OpenStandardInput(), Console.OpenStandardOutput()));
        var listener = system.ActorOf(MspListener.Props(node.Node, options.MdpPort, once, open, relay, msp), "listener");
        ActorRegistry.For(system).Register<MspListener>(listener);
        await foreach (var report in reports.ReadAllAsync(token))
        {
            switch (report)
            {
                case TunnelProtocol.Listening:
                    Log.Listening(logger, options.MdpPort, node.Sid.Hex, stdio ? "standard input and output" : $"TCP port {options.ForwardPort} on loopback");
                    if (options.Service is { } service)
                    {
                        if (await node.RegisterServiceAsync(service, options.MdpPort).ConfigureAwait(false) is { } refused)
                        {
                            throw new UsageException($"--service {service}: {refused}.");
                        }

                        Log.ServiceAnnounced(logger, service, options.MdpPort);
                    }

                    break;
                case TunnelProtocol.ListenFailed failed:
                    throw new ProxyStartException(failed.Reason);
                case TunnelProtocol.StreamAccepted:
                    Log.Accepted(logger);
                    break;
                case TunnelProtocol.BridgeFinished finished:
                    LogFinished(logger, finished);
                    if (once)
                    {
                        return finished.Clean ? ExitCodes.Success : ExitCodes.Failure;
                    }

                    break;
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// connect --service NAME: waits (up to the MDP connect timeout) until the mesh announces a node offering NAME that a
    /// route reaches, and connects to the nearest such node's port.
    /// </summary>
    private static async Task<MspOptions> ResolveServiceAsync(MspOptions options, RunningMdpNode node, ILogger logger, CancellationToken token)
    {
        if (options.Service is not { } name)
        {
            return options;
        }

        var deadline = DateTime.UtcNow + node.Settings.ConnectTimeout;
        IReadOnlyList<MdpProtocol.KnownService> known = [];
        while (DateTime.UtcNow < deadline)
        {
            known = await node.GetServicesAsync().ConfigureAwait(false);
            if (known.FirstOrDefault(s => s.Name == name && s.Hops is not null) is { } found)
            {
                Log.ServiceFound(logger, name, found.Node.Hex, found.Port, found.Hops ?? 0);
                return options with { Peer = found.Node, MdpPort = found.Port };
            }

            await Task.Delay(200, token).ConfigureAwait(false);
        }

        var names = string.Join(", ", known.Select(s => s.Name).Distinct());
        throw new ProxyStartException(
            $"no node the mesh reaches offers the service '{name}' (within {node.Settings.ConnectTimeout.TotalSeconds:0.#} s; {(names.Length == 0 ? "no services are announced" : "announced: " + names)})");
    }

    /// <summary>msp node: the node routes by itself; this only waits for the signal.</summary>
    private static async Task<int> RouteOnlyAsync(CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>msp services: listens to the mesh for a while, then prints one line per service on standard output.</summary>
    private static async Task<int> PrintServicesAsync(MspOptions options, RunningMdpNode node, CancellationToken token)
    {
        await Task.Delay(TimeSpan.FromSeconds(options.WaitSeconds), token).ConfigureAwait(false);
        var services = await node.GetServicesAsync().ConfigureAwait(false);
        var output = Console.Out;
        await output.WriteLineAsync($"{"SERVICE",-32}  {"NODE",-64}  {"PORT",5}  HOPS").ConfigureAwait(false);
        foreach (var service in services)
        {
            var hops = service.Hops is { } h ? h.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unreachable";
            await output.WriteLineAsync($"{service.Name,-32}  {service.Node.Hex,-64}  {service.Port,5}  {hops}").ConfigureAwait(false);
        }

        await output.FlushAsync(token).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ConnectAsync(MspOptions options, ActorSystem system, RunningMdpNode node, MspSettings msp, IActorRef relay, ChannelReader<object> reports, ILogger logger, CancellationToken token)
    {
        var peer = options.Peer!.Value;
        if (options.ForwardPort is not { } forward)
        {
            system.ActorOf(MspBridge.Connecting(node.Node, peer, options.MdpPort, _ => Task.FromResult<IByteDuplex>(new StreamDuplex(Console.OpenStandardInput(), Console.OpenStandardOutput())), relay, msp));
            await foreach (var report in reports.ReadAllAsync(token))
            {
                if (report is TunnelProtocol.BridgeFinished finished)
                {
                    LogFinished(logger, finished);
                    return finished.Clean ? ExitCodes.Success : ExitCodes.Failure;
                }
            }

            return ExitCodes.Failure;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, forward));
            listener.Listen(128);
        }
        catch (SocketException ex)
        {
            throw new ProxyStartException($"cannot listen on TCP 127.0.0.1:{forward}: {ex.Message}", ex);
        }

        Log.Forwarding(logger, forward, peer.Hex, options.MdpPort);
        var accepting = AcceptLoopAsync(listener, options, system, node, msp, relay, token);
        var open = 0;
        await foreach (var report in reports.ReadAllAsync(token))
        {
            switch (report)
            {
                case TunnelProtocol.StreamAccepted:
                    open++;
                    if (options.Once)
                    {
                        listener.Close();
                    }

                    break;
                case TunnelProtocol.BridgeFinished finished:
                    LogFinished(logger, finished);
                    open--;
                    if (options.Once && open <= 0)
                    {
                        await accepting.ConfigureAwait(false);
                        return finished.Clean ? ExitCodes.Success : ExitCodes.Failure;
                    }

                    break;
            }
        }

        return ExitCodes.Success;
    }

    private static async Task AcceptLoopAsync(Socket listener, MspOptions options, ActorSystem system, RunningMdpNode node, MspSettings msp, IActorRef relay, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(token).ConfigureAwait(false);
                socket.NoDelay = true;
                var bridge = system.ActorOf(MspBridge.Connecting(node.Node, options.Peer!.Value, options.MdpPort, _ => Task.FromResult<IByteDuplex>(new SocketDuplex(socket)), relay, msp));
                relay.Tell(new TunnelProtocol.StreamAccepted(bridge));
                if (options.Once)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, or the listener was closed after the one connection of --once.
        }
    }

    private static async Task<IByteDuplex> ConnectLoopbackAsync(int port, CancellationToken token)
    {
        SocketException? last = null;
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), token).ConfigureAwait(false);
                return new SocketDuplex(socket);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw new IOException($"cannot connect to TCP port {port} on loopback: {last?.Message}", last);
    }

    private delegate bool EndpointParser(string text, out HostPort endpoint, out string? error);

    private static List<HostPort> Parse(Config config, string path, EndpointParser parse) =>
        [.. ConfigValues.GetStringList(config, path).Select(text => parse(text, out var endpoint, out var error)
            ? endpoint
            : throw new ConfigException($"{path}: {error}", [path]))];

    private static async Task<List<IPEndPoint>> ResolveAsync(IEnumerable<HostPort> peers, CancellationToken token)
    {
        var result = new List<IPEndPoint>();
        foreach (var peer in peers)
        {
            if (IPAddress.TryParse(peer.Host, out var address))
            {
                result.Add(new IPEndPoint(address, peer.Port));
                continue;
            }

            try
            {
                var addresses = await Dns.GetHostAddressesAsync(peer.Host, token).ConfigureAwait(false);
                result.Add(new IPEndPoint(addresses.First(), peer.Port));
            }
            catch (Exception ex) when (ex is SocketException or InvalidOperationException)
            {
                throw new ProxyStartException($"cannot resolve peer '{peer.Host}': {ex.Message}", ex);
            }
        }

        return result;
    }

    private static void LogFinished(ILogger logger, TunnelProtocol.BridgeFinished finished)
    {
        if (finished.Clean)
        {
            Log.Finished(logger, finished.BytesToPeer, finished.BytesFromPeer);
        }
        else
        {
            Log.Failed(logger, finished.Reason ?? "unknown", finished.BytesToPeer, finished.BytesFromPeer);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "created a new identity in {Path}")]
        public static partial void IdentityCreated(ILogger logger, string path);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "MDP node {Sid} on {EndPoints}")]
        public static partial void NodeStarted(ILogger logger, string sid, string endPoints);

        [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "MSP listening on MDP port {Port} of {Sid}, streams go to {Where}")]
        public static partial void Listening(ILogger logger, int port, string sid, string where);

        [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "MSP stream opened")]
        public static partial void Accepted(ILogger logger);

        [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "MSP stream closed: {Sent} bytes sent, {Received} bytes received")]
        public static partial void Finished(ILogger logger, long sent, long received);

        [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "MSP stream failed: {Reason} ({Sent} bytes sent, {Received} bytes received)")]
        public static partial void Failed(ILogger logger, string reason, long sent, long received);

        [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "accepting TCP on 127.0.0.1:{Port}, each connection to MDP port {MdpPort} of {Sid}")]
        public static partial void Forwarding(ILogger logger, int port, string sid, int mdpPort);

        [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "announcing MDP port {Port} to the mesh as service '{Name}'")]
        public static partial void ServiceAnnounced(ILogger logger, string name, int port);

        [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "service '{Name}' is MDP port {Port} of {Sid}, {Hops} hops away")]
        public static partial void ServiceFound(ILogger logger, string name, string sid, int port, int hops);

        [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "stopping")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = 19, Level = LogLevel.Information, Message = "MDP: {Sent} datagrams sent, {Received} received, {Retransmitted} retransmitted by hops, {GivenUp} given up after retries, {Overflowed} left a full hop window unacknowledged, {Invalid} invalid dropped, {Expired} links expired, {Throttled} hellos throttled")]
        public static partial void Stats(ILogger logger, long sent, long received, long retransmitted, long givenUp, long overflowed, long invalid, long expired, long throttled);

        [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "MDP routing: {Forwarded} datagrams forwarded, {NoRoute} without a route, {HopLimit} malformed or out of hops; announcements {Accepted} accepted, {Malformed} malformed, {Forged} forged")]
        public static partial void RoutingStats(ILogger logger, long forwarded, long noRoute, long hopLimit, long accepted, long malformed, long forged);
    }
}
