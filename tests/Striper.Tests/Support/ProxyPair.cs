using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Metrics;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Tests.Logging;

namespace Striper.Tests.Support;

/// <summary>
/// A server proxy and a client proxy on loopback, each in its own actor system as if in its own process,
/// in front of a target. Tests connect to <see cref="ClientEndPoint"/> as an application would.
/// </summary>
public sealed class ProxyPair : IAsyncDisposable
{
    private readonly ActorSystem _serverSystem;
    private readonly ActorSystem _clientSystem;

    private ProxyPair(ActorSystem serverSystem, ActorSystem clientSystem, RunningProxy server, RunningProxy client)
    {
        _serverSystem = serverSystem;
        _clientSystem = clientSystem;
        Server = server;
        Client = client;
    }

    public RunningProxy Server { get; }

    public RunningProxy Client { get; }

    public ProxyMetrics ClientMetrics { get; private init; } = new();

    public ProxyMetrics ServerMetrics { get; private init; } = new();

    public CapturingLoggerFactory ServerLog { get; private init; } = new();

    public CapturingLoggerFactory ClientLog { get; private init; } = new();

    public IPEndPoint ClientEndPoint => Client.LocalEndPoint;

    /// <summary>Both proxies' trees of live actors, for a test that checks what is left once connections ended.</summary>
    public string DescribeLiveActors() => _clientSystem.DescribeLiveActors() + _serverSystem.DescribeLiveActors();

    /// <param name="interpose">Given the server proxy's endpoint, returns where the client proxy should dial instead (a relay).</param>
    /// <param name="clientSettings">The client proxy's settings when they differ from the server's (another secret, say).</param>
    public static ProxyPair Start(
        IPEndPoint target, StriperSettings? settings = null, IPAddress? bindAddress = null, Func<IPEndPoint, IPEndPoint>? interpose = null, StriperSettings? clientSettings = null)
    {
        settings ??= StriperSettings.Default;
        bindAddress ??= IPAddress.Loopback;
        var serverLog = new CapturingLoggerFactory();
        var clientLog = new CapturingLoggerFactory();
        var serverSystem = TestSystems.Create("server", serverLog);
        var clientSystem = TestSystems.Create("client", clientLog);
        var serverMetrics = new ProxyMetrics();
        var clientMetrics = new ProxyMetrics();
        var server = RunningProxy.StartServer(serverSystem, new IPEndPoint(bindAddress, 0), new HostPort(target.Address.ToString(), target.Port), settings, serverMetrics);
        var peer = interpose?.Invoke(server.LocalEndPoint) ?? server.LocalEndPoint;
        var client = RunningProxy.StartClient(clientSystem, new IPEndPoint(bindAddress, 0), new HostPort(peer.Address.ToString(), peer.Port), clientSettings ?? settings, clientMetrics);
        return new ProxyPair(serverSystem, clientSystem, server, client)
        {
            ServerLog = serverLog,
            ClientLog = clientLog,
            ServerMetrics = serverMetrics,
            ClientMetrics = clientMetrics,
        };
    }

    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(ClientEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(ClientEndPoint);
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await _clientSystem.TerminateWithin();
        await _serverSystem.TerminateWithin();
    }
}
