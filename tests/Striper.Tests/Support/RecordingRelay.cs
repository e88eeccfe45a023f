using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>
/// A TCP relay between the proxies that forwards everything untouched and records what each connection carried
/// client → server (up to a cap per connection): an eavesdropper on the path, for replay and encryption tests.
/// </summary>
public sealed class RecordingRelay : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _upstream;
    private readonly int _cap;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public RecordingRelay(IPEndPoint upstream, int capPerConnection = 8 << 20)
    {
        _upstream = upstream;
        _cap = capPerConnection;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _accepting = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Client → server bytes of each connection, in the order connections were accepted.</summary>
    public ConcurrentQueue<MemoryStream> Upstream { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var record = new MemoryStream();
            Upstream.Enqueue(record);
            _ = RelayAsync(client, record);
        }
    }

    private async Task RelayAsync(Socket client, MemoryStream record)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var _ = client;
        try
        {
            await server.ConnectAsync(_upstream, _stop.Token);
            await Task.WhenAll(PumpAsync(client, server, record), PumpAsync(server, client, null));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, MemoryStream? record)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            if (record is not null)
            {
                lock (record)
                {
                    if (record.Length < _cap)
                    {
                        record.Write(buffer, 0, (int)Math.Min(read, _cap - record.Length));
                    }
                }
            }

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
    }
}
