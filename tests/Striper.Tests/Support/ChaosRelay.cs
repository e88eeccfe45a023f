using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Striper.Actors.Wire;

namespace Striper.Tests.Support;

/// <summary>
/// A TCP relay standing between the client and server proxies, playing the misbehaving network: it reads each
/// substream's handshake to learn its index, and can then reset it, stall it (a middlebox that silently stops
/// forwarding) or throttle it (a per-flow cap), without root or network namespaces.
/// </summary>
public sealed class ChaosRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;
    private readonly Func<int, long?> _rateOf;
    private readonly Func<int, long?> _stallAfter;
    private readonly ConcurrentDictionary<RelayedConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly long[] _pathMoved = new long[2];
    private readonly Stopwatch _pathClock = Stopwatch.StartNew();
    private volatile bool _down;

    /// <param name="upstream">The server proxy.</param>
    /// <param name="rateOf">Bytes per second for the substream with this index in each direction, or null for no cap.</param>
    /// <param name="stallAfter">Bytes after which the substream with this index stops forwarding (client to server), or null.</param>
    public ChaosRelay(IPEndPoint upstream, Func<int, long?>? rateOf = null, Func<int, long?>? stallAfter = null)
    {
        _upstream = upstream;
        _rateOf = rateOf ?? (_ => null);
        _stallAfter = stallAfter ?? (_ => null);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(256);
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Resets { get; private set; }

    /// <summary>Indices of the substreams currently relayed (and not stalled).</summary>
    public IReadOnlyList<int> LiveIndices =>
        [.. _connections.Keys.Where(c => c.Index >= 0 && !c.Stalled && !c.Closed).Select(c => c.Index).Order()];

    /// <summary>Resets (TCP RST to both proxies) every live connection carrying one of the indices.</summary>
    public void Reset(params int[] indices)
    {
        foreach (var connection in _connections.Keys.Where(c => indices.Contains(c.Index) && !c.Closed))
        {
            connection.Reset();
            Resets++;
        }
    }

    /// <summary>Stops forwarding on the live connections of the indices, leaving them open: a silent middlebox.</summary>
    public void Stall(params int[] indices)
    {
        foreach (var connection in _connections.Keys.Where(c => indices.Contains(c.Index) && !c.Closed))
        {
            connection.Stalled = true;
        }
    }

    /// <summary>
    /// The path goes away: every live connection is reset and new ones are reset as soon as they arrive, until
    /// <see cref="Restore"/>. Both proxies keep running; only what is between them is gone.
    /// </summary>
    public void Cut()
    {
        _down = true;
        foreach (var connection in _connections.Keys.Where(c => !c.Closed))
        {
            connection.Reset();
            Resets++;
        }
    }

    /// <summary>The path is back: connections are relayed again.</summary>
    public void Restore() => _down = false;

    /// <summary>
    /// Answers a hello that asks for a session key (flag 8) with BadHandshake and closes, as a server built before
    /// session keys does; other hellos are relayed.
    /// </summary>
    public bool ActAsServerWithoutSessionKeys { get; init; }

    /// <summary>Hellos answered as a server without session keys would.</summary>
    public int SessionKeysRefused { get; private set; }

    /// <summary>Bytes per second all substreams together get in each direction (a path's capacity), or null for no cap.</summary>
    public long? PathRate { get; init; }

    /// <summary>Connections reset on arrival while the path was cut.</summary>
    public int Refused { get; private set; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
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

            if (_down)
            {
                Refused++;
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new RelayedConnection(client, server);
        _connections[connection] = 0;
        try
        {
            client.NoDelay = true;
            await server.ConnectAsync(_upstream, _stop.Token);
            var handshake = new byte[Handshake.Size];
            await client.ReceiveAsync(handshake, SocketFlags.None, _stop.Token);
            connection.Index = Handshake.TryRead(handshake, out var parsed, out _) ? parsed.Index : -1;
            if (ActAsServerWithoutSessionKeys && (parsed.Flags & HandshakeFlags.SessionKey) != 0)
            {
                SessionKeysRefused++;
                await client.SendAsync(HandshakeReply.Encode(HandshakeStatus.BadHandshake), SocketFlags.None, _stop.Token);
                client.Shutdown(SocketShutdown.Both);
                return;
            }

            await server.SendAsync(handshake, SocketFlags.None, _stop.Token);
            var rate = _rateOf(connection.Index);
            var stallAfter = _stallAfter(connection.Index);
            await Task.WhenAll(PumpAsync(client, server, connection, rate, stallAfter, 0), PumpAsync(server, client, connection, rate, null, 1));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            connection.Reset();
        }
        finally
        {
            connection.Closed = true;
            _connections.TryRemove(connection, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, RelayedConnection connection, long? rate, long? stallAfter, int direction)
    {
        var buffer = new byte[rate is null ? 64 * 1024 : 4 * 1024];
        var clock = Stopwatch.StartNew();
        long moved = 0;
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            if (stallAfter is { } limit && moved + read > limit)
            {
                connection.Stalled = true;
            }

            while (connection.Stalled && !connection.Closed)
            {
                await Task.Delay(50, _stop.Token);
            }

            moved += read;
            if (rate is { } bytesPerSecond)
            {
                // A token bucket with no burst: never ahead of rate × elapsed.
                var due = TimeSpan.FromSeconds((double)moved / bytesPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _stop.Token);
                }
            }

            if (PathRate is { } pathRate)
            {
                // Every substream's bytes in this direction share one bucket: the path's capacity.
                var total = Interlocked.Add(ref _pathMoved[direction], read);
                var due = TimeSpan.FromSeconds((double)total / pathRate) - _pathClock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _stop.Token);
                }
            }

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Reset();
        }

        await _acceptLoop;
        _stop.Dispose();
    }
}
