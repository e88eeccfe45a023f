using System.Net;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;

namespace Striper.Actors.Proxy;

/// <summary>A started client or server proxy: where it listens, and how to stop it.</summary>
public sealed class RunningProxy : IAsyncDisposable
{
    private readonly ActorSystem _system;

    private RunningProxy(ActorSystem system, IActorRef actor, IPEndPoint localEndPoint)
    {
        _system = system;
        Actor = actor;
        LocalEndPoint = localEndPoint;
    }

    public IPEndPoint LocalEndPoint { get; }

    internal IActorRef Actor { get; }

    /// <summary><c>striper -c LISTEN PEER</c>: accepts application connections and stripes each to the peer.</summary>
    public static RunningProxy StartClient(ActorSystem system, IPEndPoint listen, HostPort peer, StriperSettings settings, ProxyMetrics? metrics = null, string name = "client")
    {
        var socket = ListenSocket.Bind(listen);
        var actor = system.ActorOf(ClientProxy.Props(socket, peer.Host, peer.Port, settings, metrics ?? new ProxyMetrics()), name);
        return new RunningProxy(system, actor, (IPEndPoint)socket.LocalEndPoint!);
    }

    /// <summary><c>striper -s LISTEN TARGET</c>: accepts substreams and forwards each session to the target.</summary>
    public static RunningProxy StartServer(ActorSystem system, IPEndPoint listen, HostPort target, StriperSettings settings, ProxyMetrics? metrics = null, string name = "server")
    {
        var socket = ListenSocket.Bind(listen);
        var actor = system.ActorOf(ServerProxy.Props(socket, target.Host, target.Port, settings, metrics ?? new ProxyMetrics()), name);
        return new RunningProxy(system, actor, (IPEndPoint)socket.LocalEndPoint!);
    }

    public ValueTask DisposeAsync()
    {
        _system.Stop(Actor);
        return ValueTask.CompletedTask;
    }
}
