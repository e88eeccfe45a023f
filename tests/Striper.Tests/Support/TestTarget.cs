using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>A TCP server standing where sshd would: each accepted connection runs the given handler.</summary>
public sealed class TestTarget : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly List<Task> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public TestTarget(Func<Socket, Task> handler, IPAddress? address = null)
    {
        _handler = handler;
        address ??= IPAddress.Loopback;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(512);
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Accepted { get; private set; }

    /// <summary>Exceptions thrown by handlers, so a test can assert that the far side saw what it should.</summary>
    public async Task WhenHandlersDoneAsync()
    {
        Task[] tasks;
        lock (_connections)
        {
            tasks = [.. _connections];
        }

        await Task.WhenAll(tasks);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                Accepted++;
                _connections.Add(RunAsync(socket));
            }
        }
    }

    private async Task RunAsync(Socket socket)
    {
        using (socket)
        {
            await _handler(socket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        _stop.Dispose();
    }
}
