using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Fuzz;

/// <summary>
/// A UDP relay between two MDP nodes that records what passes (the fuzzer's seeds) and can inject datagrams from its
/// own address. B is configured with the relay as its peer, so to A the relay's address is B's: what the relay
/// injects reaches A's link to B (its MAC check and everything behind it), not the stranger path.
/// </summary>
internal sealed class MdpTapRelay : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _a;
    private readonly int _keep;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IPEndPoint? _b;

    public MdpTapRelay(IPEndPoint a, int keep)
    {
        _a = a;
        _keep = keep;
        _socket = new Socket(a.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(a.Address, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(RelayAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Datagrams that passed, in order, with their direction (true: B to A), up to the number asked for.</summary>
    public ConcurrentQueue<(bool ToA, byte[] Bytes)> Captured { get; } = new();

    public void Inject(bool toA, byte[] datagram)
    {
        var target = toA ? _a : _b;
        if (target is not null)
        {
            _socket.SendTo(datagram, target);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task RelayAsync()
    {
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(_a.Address, 0), _stop.Token);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var from = (IPEndPoint)received.RemoteEndPoint;
            var toA = !from.Equals(_a);
            if (toA)
            {
                _b = from;
            }

            var bytes = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            if (Captured.Count < _keep)
            {
                Captured.Enqueue((toA, bytes));
            }

            try
            {
                Inject(toA, bytes);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
