using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>
/// A UDP relay in front of a server proxy's MDP socket, like a NAT: each client source port gets an upstream socket
/// of its own, so the server sees every client flow apart. <see cref="BlackholeBusiestFlow"/> silently drops one
/// flow both ways from then on, as a path that stops carrying one substream would.
/// </summary>
internal sealed class UdpFlowRelay : IAsyncDisposable
{
    private readonly Socket _front = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _upstream;
    private readonly ConcurrentDictionary<IPEndPoint, Flow> _flows = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    public UdpFlowRelay(IPEndPoint upstream)
    {
        _upstream = upstream;
        _front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _receiving = Task.Run(FrontLoopAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_front.LocalEndPoint!;

    /// <summary>Client flows (source ports) seen so far.</summary>
    public int FlowCount => _flows.Count;

    /// <summary>Drops everything of the flow that has carried the most datagrams so far; returns its client port.</summary>
    public int BlackholeBusiestFlow()
    {
        var busiest = _flows.Values.MaxBy(f => Volatile.Read(ref f.Datagrams))!;
        busiest.Blackholed = true;
        return busiest.Client.Port;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _front.Dispose();
        foreach (var flow in _flows.Values)
        {
            flow.Socket.Dispose();
        }

        await Task.WhenAll([_receiving, .. _flows.Values.Select(f => f.Loop)]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task FrontLoopAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _front.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var client = (IPEndPoint)result.RemoteEndPoint;
            var flow = _flows.GetOrAdd(client, c => new Flow(c, this));
            Interlocked.Increment(ref flow.Datagrams);
            if (!flow.Blackholed)
            {
                await flow.Socket.SendToAsync(buffer.AsMemory(0, result.ReceivedBytes), SocketFlags.None, _upstream);
            }
        }
    }

    private sealed class Flow
    {
        public long Datagrams;

        public Flow(IPEndPoint client, UdpFlowRelay relay)
        {
            Client = client;
            Socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Loop = Task.Run(() => BackLoopAsync(relay));
        }

        public IPEndPoint Client { get; }

        public Socket Socket { get; } = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        public Task Loop { get; }

        public volatile bool Blackholed;

        private async Task BackLoopAsync(UdpFlowRelay relay)
        {
            var buffer = new byte[65536];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            while (!relay._stop.IsCancellationRequested)
            {
                try
                {
                    var result = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, any, relay._stop.Token);
                    if (!Blackholed)
                    {
                        await relay._front.SendToAsync(buffer.AsMemory(0, result.ReceivedBytes), SocketFlags.None, Client);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }
    }
}
