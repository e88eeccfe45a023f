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
    /// application got exactly the target's bytes. Returns the hex SHA-256 of what the application sent. Every wait
    /// is bounded by <paramref name="timeout"/> and fails naming the direction that did not finish.
    /// </summary>
    public async Task<string> ExchangeAsync(Socket app, long size, int seed, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var send = TestData.SendAsync(app, size, seed);
        var (receivedHash, receivedBytes) = await Within(
            TestData.ReceiveAsync(app), deadline, $"the application did not receive the target's stream and its end within {timeout.TotalSeconds:0.#}s");
        var sent = Convert.ToHexString(await Within(
            send, deadline, $"the application could not send its {size} bytes within {timeout.TotalSeconds:0.#}s (the proxy stopped reading them)"));

        Assert.Equal(_size, receivedBytes);
        Assert.Equal(Convert.ToHexString(TestData.Sha256(_size, _seed)), Convert.ToHexString(receivedHash));
        return sent;
    }

    /// <summary>One exchange on a single connection, checked both ways: the target received exactly what was sent.</summary>
    public async Task AssertSingleExchangeAsync(Socket app, long size, int seed, TimeSpan timeout)
    {
        var sent = await ExchangeAsync(app, size, seed, timeout);
        var handlers = TimeSpan.FromSeconds(20);
        await Within(
            _target.WhenHandlersDoneAsync(),
            DateTime.UtcNow + handlers,
            $"the target did not receive the application's stream and its end within {handlers.TotalSeconds:0.#}s of the reply arriving");
        Assert.Equal([sent], Received);
    }

    public Task WhenHandlersDoneAsync() => _target.WhenHandlersDoneAsync();

    public ValueTask DisposeAsync() => _target.DisposeAsync();

    private static async Task Within(Task task, DateTime deadline, string failure)
    {
        try
        {
            await task.WaitAsync(Remaining(deadline));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(failure);
        }
    }

    private static async Task<T> Within<T>(Task<T> task, DateTime deadline, string failure)
    {
        await Within((Task)task, deadline, failure);
        return await task;
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
