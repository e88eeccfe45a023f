using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>
/// A plain TCP relay between the client and server proxies that records the first bytes each substream carries in
/// each direction: real traffic, written by the real legs, as seeds for the mutational fuzzer, and what an
/// eavesdropper on the path would see, for the replay and encryption tests.
/// </summary>
internal sealed class TapRelay : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _upstream;
    private readonly int _keep;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly Task _accepting;

    /// <param name="keep">Bytes recorded per direction and connection; the rest is relayed but not kept.</param>
    public TapRelay(IPEndPoint upstream, int keep)
    {
        _upstream = upstream;
        _keep = keep;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Per connection: what the client proxy sent (handshake, frames) and what the server answered (reply, frames).</summary>
    public ConcurrentQueue<(MemoryStream Up, MemoryStream Down)> Captured { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll(relays);
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

            lock (_relays)
            {
                _relays.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var _ = client;
        var up = new MemoryStream();
        var down = new MemoryStream();
        Captured.Enqueue((up, down));
        try
        {
            await server.ConnectAsync(_upstream, _stop.Token);
            await Task.WhenAll(PumpAsync(client, server, up), PumpAsync(server, client, down));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, MemoryStream record)
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

            lock (record)
            {
                record.Write(buffer, 0, (int)Math.Min(read, Math.Max(0, _keep - record.Length)));
            }

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
    }
}
