using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Metrics;
using Striper.Actors.Settings;

namespace Striper.Actors.Proxy;

/// <summary>A started client or server proxy: where it listens, and how to stop it.</summary>
public sealed class RunningProxy : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly RunningMdpNode? _mdp;
    private Task? _stopped;

    private RunningProxy(ActorSystem system, IActorRef actor, IPEndPoint localEndPoint, RunningMdpNode? mdp, BufferBudget buffers, ProxyMetrics metrics, string? tcpCongestionControl)
    {
        _system = system;
        TcpCongestionControl = tcpCongestionControl;
        Buffers = buffers;
        Metrics = metrics;
        Actor = actor;
        LocalEndPoint = localEndPoint;
        _mdp = mdp;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>What this proxy's connections may hold in data buffers together (memory-limit less the runtime's reserve).</summary>
    public BufferBudget Buffers { get; }

    /// <summary>What the proxy counts and its open connections, for the control endpoint and the demo.</summary>
    public ProxyMetrics Metrics { get; }

    /// <summary>
    /// The TCP congestion control its TCP substreams use (striper.tcp.congestion-control as the kernel allowed it:
    /// "bbr", "cubic (system default)", ...), or null for a client whose substreams are all MSP.
    /// </summary>
    public string? TcpCongestionControl { get; }

    internal IActorRef Actor { get; }

    /// <summary>The MDP node under MSP substreams, when the transport includes MSP.</summary>
    internal RunningMdpNode? Mdp => _mdp;

    /// <summary><c>striper -c LISTEN PEER</c>: accepts application connections and stripes each to the peer; with <paramref name="socks"/>, as a SOCKS5 proxy.</summary>
    public static RunningProxy StartClient(
        ActorSystem system, IPEndPoint listen, HostPort peer, StriperSettings settings, ProxyMetrics? metrics = null, string name = "client", Socks.SocksFront? socks = null)
    {
        var mdp = (settings.Transport & SubstreamTransports.Msp) != 0 ? StartClientNode(system, peer, settings, name) : null;
        Socket socket;
        try
        {
            socket = ListenSocket.Bind(listen);
        }
        catch
        {
            if (mdp is not null)
            {
                system.Stop(mdp.Node);
            }

            throw;
        }

        var buffers = new BufferBudget(settings.BufferBudget);
        metrics ??= new ProxyMetrics();
        var congestionControl = (settings.Transport & SubstreamTransports.Tcp) != 0 ? CongestionControl(system, settings) : null;
        var actor = system.ActorOf(ClientProxy.Props(socket, peer.Host, peer.Port, settings, metrics, buffers, mdp?.Node, socks), name);
        return new RunningProxy(system, actor, (IPEndPoint)socket.LocalEndPoint!, mdp, buffers, metrics, congestionControl);
    }

    /// <summary><c>striper -s LISTEN TARGET</c>: accepts substreams and forwards each session to the target.</summary>
    public static RunningProxy StartServer(ActorSystem system, IPEndPoint listen, HostPort target, StriperSettings settings, ProxyMetrics? metrics = null, string name = "server")
    {
        var socket = ListenSocket.Bind(listen);
        var local = (IPEndPoint)socket.LocalEndPoint!;
        RunningMdpNode? mdp = null;
        if ((settings.Transport & SubstreamTransports.Msp) != 0)
        {
            try
            {
                // The same address and port as the TCP listener (the one the kernel chose, for port 0), on UDP.
                mdp = RunningMdpNode.Start(system, NodeIdentity.Generate(), settings.Mdp with { Routing = false }, [local], [], name + "-mdp");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var buffers = new BufferBudget(settings.BufferBudget);
        metrics ??= new ProxyMetrics();
        var congestionControl = CongestionControl(system, settings);
        var actor = system.ActorOf(ServerProxy.Props(socket, target.Host, target.Port, settings, metrics, buffers, mdp?.Node), name);
        return new RunningProxy(system, actor, local, mdp, buffers, metrics, congestionControl);
    }

    /// <summary>Checked against the kernel (and logged) here, at start, rather than at the first substream.</summary>
    private static string CongestionControl(ActorSystem system, StriperSettings settings) =>
        Services.StriperServices.Get(system).CongestionControl(settings.TcpCongestionControl).Effective;

    /// <summary>
    /// The client's MDP node: a fresh in-memory identity (substreams are authenticated by the shared secret in their
    /// handshake, not by SIDs), a UDP socket on any free port, and the server's address as its only peer.
    /// </summary>
    private static RunningMdpNode StartClientNode(ActorSystem system, HostPort peer, StriperSettings settings, string name)
    {
        IPEndPoint server;
        try
        {
            server = peer.ToListenEndPoint();
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            throw new ProxyStartException($"cannot resolve the server proxy '{peer.Host}': {ex.Message}", ex);
        }

        var any = new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        return RunningMdpNode.Start(system, NodeIdentity.Generate(), settings.Mdp with { Routing = false }, [any], [server], name + "-mdp");
    }

    /// <summary>
    /// Accepts no new connections: completes once a connection attempted from then on is refused. A proxy that has
    /// stopped has nothing to refuse, and completes too.
    /// </summary>
    public async Task StopAcceptingAsync(CancellationToken cancellationToken)
    {
        var draining = Actor.Ask<ProxyProtocol.Draining>(ProxyProtocol.Drain.Instance, Timeout.InfiniteTimeSpan, cancellationToken);
        await Task.WhenAny(draining, WhenStopped).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes once every open connection has ended (a shutdown's drain, after <see cref="StopAcceptingAsync"/>).
    /// Cancelling gives up the wait; the connections stay as they are until the proxy is disposed.
    /// </summary>
    public async Task DrainedAsync(CancellationToken cancellationToken)
    {
        var drained = Actor.Ask<ProxyProtocol.Drained>(ProxyProtocol.WhenDrained.Instance, Timeout.InfiniteTimeSpan, cancellationToken);

        // A proxy that stops before its sessions end has nothing left to drain, and will not answer.
        await Task.WhenAny(drained, WhenStopped).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes when the proxy's actor has stopped: disposed, or failed (its supervisor stops it).</summary>
    public Task WhenStopped => _stopped ??= Actor.WatchAsync();

    public async ValueTask DisposeAsync()
    {
        _system.Stop(Actor);
        if (_mdp is not null)
        {
            await _mdp.DisposeAsync();
        }
    }
}
