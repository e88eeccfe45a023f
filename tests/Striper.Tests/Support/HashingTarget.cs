using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>
/// A target that, on every connection, sends its own seeded stream while hashing everything it receives; and the
/// check that an application's exchange through the proxies was intact in both directions (SHA-256 each way).
/// </summary>
public sealed class HashingTarget : IAsyncDisposable
{
    private readonly TestTarget _target;
    private readonly long _size;
    private readonly int _seed;

    public HashingTarget(long size, int seed, IPAddress? address = null)
    {
        _size = size;
        _seed = seed;
        _target = new TestTarget(
            async socket =>
            {
                var send = TestData.SendAsync(socket, size, seed);
                var (hash, _) = await TestData.ReceiveAsync(socket);
                await send;
                Received.Enqueue(Convert.ToHexString(hash));
            },
            address);
    }

    public IPEndPoint EndPoint => _target.EndPoint;

    public int Accepted => _target.Accepted;

    /// <summary>SHA-256 (hex) of what each connection delivered to the target.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>
    /// Sends <paramref name="size"/> seeded bytes from the application while reading the target's stream; asserts the
    /// application got exactly the target's bytes. Returns the hex SHA-256 of what the application sent.
    /// </summary>
    public async Task<string> ExchangeAsync(Socket app, long size, int seed, TimeSpan timeout)
    {
        var send = TestData.SendAsync(app, size, seed);
        var (receivedHash, receivedBytes) = await TestData.ReceiveAsync(app).WaitAsync(timeout);
        var sent = Convert.ToHexString(await send);

        Assert.Equal(_size, receivedBytes);
        Assert.Equal(Convert.ToHexString(TestData.Sha256(_size, _seed)), Convert.ToHexString(receivedHash));
        return sent;
    }

    /// <summary>One exchange on a single connection, checked both ways: the target received exactly what was sent.</summary>
    public async Task AssertSingleExchangeAsync(Socket app, long size, int seed, TimeSpan timeout)
    {
        var sent = await ExchangeAsync(app, size, seed, timeout);
        await _target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([sent], Received);
    }

    public Task WhenHandlersDoneAsync() => _target.WhenHandlersDoneAsync();

    public ValueTask DisposeAsync() => _target.DisposeAsync();
}
