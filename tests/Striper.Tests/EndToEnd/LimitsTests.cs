using System.Diagnostics;
using System.Net.Sockets;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// A slow, silent or hostile peer on the substream port holds a handshake slot no longer than the handshake
/// timeout, the number of slots is bounded, and a flood of junk neither stops a real transfer nor leaks sockets.
/// </summary>
[Collection(FloodGroup.Name)]
public sealed class LimitsTests
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromMilliseconds(600);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    // A server with eight handshake slots that silent connections hold for long (20 s) unless they let go.
    private static readonly StriperSettings EightHandshakeSlots =
        StriperSettings.Default with { HandshakeTimeout = TimeSpan.FromSeconds(20), MaxPendingHandshakes = 8, Stripes = 2 };

    [Fact]
    public async Task Silent_connections_should_be_reaped_within_the_handshake_timeout()
    {
        await using var target = new HashingTarget(1024, seed: 1);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { HandshakeTimeout = HandshakeTimeout });
        var clock = Stopwatch.StartNew();

        var silent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ConnectAsync(pair)));
        var closedAfter = await Task.WhenAll(silent.Select(async socket =>
        {
            await ReadUntilClosedAsync(socket, HandshakeTimeout + Slack);
            return clock.Elapsed;
        }));

        Assert.All(closedAfter, elapsed => Assert.InRange(elapsed, HandshakeTimeout * 0.9, HandshakeTimeout + Slack));
        await pair.ServerLog.WaitForAsync("no complete handshake within 0.6s (0 of 48 bytes)");

        // The server let go of its sockets by itself: the silent peers still hold theirs open.
        await WaitUntilAsync(() => pair.ServerMetrics.PendingHandshakes == 0, "every handshake slot came back");
        Assert.True(clock.Elapsed < HandshakeTimeout + Slack, $"slots held for {clock.Elapsed.TotalSeconds:0.0}s");
        DisposeAll(silent);
    }

    [Fact]
    public async Task Connections_beyond_max_pending_handshakes_should_be_closed_at_once()
    {
        await using var target = new HashingTarget(1024 * 1024, seed: 1);
        await using var pair = ProxyPair.Start(target.EndPoint, EightHandshakeSlots);
        var holders = await HoldEverySlotAsync(pair);

        // The reset can be so quick that it already reaches the connect, which then reports it.
        var clock = Stopwatch.StartNew();
        try
        {
            using var ninth = await ConnectAsync(pair);
            await ReadUntilClosedAsync(ninth, TimeSpan.FromSeconds(5));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "closed long before the 20 s handshake timeout");
        Assert.Equal(1, pair.ServerMetrics.ConnectionsShed);
        await pair.ServerLog.WaitForAsync("8 connections are already in their handshake (max-pending-handshakes)");

        // The slots come back when their holders give up, and the server serves again.
        DisposeAll(holders);
        await WaitUntilAsync(() => pair.ServerMetrics.PendingHandshakes == 0, "the holders' slots came back");
        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, 1024 * 1024, seed: 2, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_opening_reset_by_a_server_at_its_handshake_limit_should_be_tried_again_not_lost()
    {
        // A burst of connections (each dialling several substreams at once) fills the server's handshake slots; what
        // exceeds them is reset. The application's connection whose opening dial was reset must not be closed: the
        // client tries the opening again (with backoff, within connect-timeout) and gets through once slots free up.
        await using var target = new HashingTarget(1024 * 1024, seed: 3);
        await using var pair = ProxyPair.Start(target.EndPoint, EightHandshakeSlots);
        var holders = await HoldEverySlotAsync(pair);

        using var app = await pair.ConnectAsync();
        await pair.ClientLog.WaitForAsync("the opening dial failed");
        Assert.True(pair.ServerMetrics.ConnectionsShed >= 1, "the server never shed the opening dial");

        DisposeAll(holders);
        await target.AssertSingleExchangeAsync(app, 1024 * 1024, seed: 4, TimeSpan.FromSeconds(20));
        Assert.False(pair.ClientLog.Contains("cannot open a session"), "the application's connection was given up");
    }

    [Fact]
    public async Task A_thousand_junk_connections_should_not_stop_a_transfer_or_leak_sockets()
    {
        const long size = 16L * 1024 * 1024;
        var settings = StriperSettings.Default with { HandshakeTimeout = HandshakeTimeout, Secret = SharedSecret.CreateRandom(), Stripes = 4 };
        await using var target = new HashingTarget(size, seed: 11);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        var descriptorsBefore = OpenDescriptors();

        using var app = await pair.ConnectAsync();
        await pair.ClientLog.WaitForAsync("opened to");
        var transfer = target.AssertSingleExchangeAsync(app, size, seed: 12, TimeSpan.FromSeconds(30));
        var junk = Enumerable.Range(0, 1000).Select(i => JunkAsync(pair, i)).ToList();

        await transfer;
        var closedWithin = await Task.WhenAll(junk);

        Assert.All(closedWithin, elapsed => Assert.True(elapsed < HandshakeTimeout + Slack, $"a junk connection lived {elapsed.TotalSeconds:0.0}s"));
        Assert.True(pair.ServerLog.Contains("bad magic"), "random bytes were refused as such");

        // A line per junk connection would be 1,000 warnings; the first ten a second are logged, the rest counted.
        var logged = pair.ServerLog.Entries.Count(e => e.EventId.Id is 410 or 411);
        Assert.True(logged < 500, $"{logged} refusals logged one by one for 1,000 junk connections");
        await pair.ServerLog.WaitForAsync("more substream connections refused in the last 1s");
        await WaitUntilAsync(() => pair.ServerMetrics.PendingHandshakes == 0, "every handshake slot came back");
        app.Dispose();
        await WaitUntilAsync(() => OpenDescriptors() <= descriptorsBefore + 16, $"file descriptors back near {descriptorsBefore} (now {OpenDescriptors()})");
    }

    /// <summary>One junk connection of four kinds; returns how long the server took to close it once connected.</summary>
    private static async Task<TimeSpan> JunkAsync(ProxyPair pair, int i)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(pair);
        }
        catch (SocketException)
        {
            return TimeSpan.Zero;
        }

        var clock = Stopwatch.StartNew();

        using (socket)
        {
            var hello = new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 4) { Flags = HandshakeFlags.Authenticate }.ToArray();
            try
            {
                switch (i % 4)
                {
                    case 0:
                        await socket.SendAsync(TestData.Random(300, seed: i), SocketFlags.None);
                        break;
                    case 1:
                        break;
                    case 2:
                        // Slowloris: a valid hello, one byte at a time, until the server has had enough.
                        var closed = ReadUntilClosedAsync(socket, HandshakeTimeout + Slack);
                        for (var at = 0; at < hello.Length && !closed.IsCompleted; at++)
                        {
                            await socket.SendAsync(hello.AsMemory(at, 1), SocketFlags.None);
                            await Task.WhenAny(closed, Task.Delay(50));
                        }

                        await closed;
                        return clock.Elapsed;
                    default:
                        // Half a handshake: a hello asking for the challenge, then silence instead of a proof.
                        await socket.SendAsync(hello, SocketFlags.None);
                        break;
                }
            }
            catch (SocketException)
            {
                return clock.Elapsed;
            }

            await ReadUntilClosedAsync(socket, HandshakeTimeout + Slack);
            return clock.Elapsed;
        }
    }

    /// <summary>Fills every one of <see cref="EightHandshakeSlots"/>' slots with a silent connection.</summary>
    private static async Task<Socket[]> HoldEverySlotAsync(ProxyPair pair)
    {
        var holders = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConnectAsync(pair)));
        await WaitUntilAsync(() => pair.ServerMetrics.PendingHandshakes == 8, "eight connections hold the eight slots");
        return holders;
    }

    private static async Task<Socket> ConnectAsync(ProxyPair pair)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(pair.Server.LocalEndPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads and drops until the server closes (FIN or reset); fails if it does not within the limit.</summary>
    private static async Task ReadUntilClosedAsync(Socket socket, TimeSpan limit)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset: closed too.
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server kept the connection open longer than {limit.TotalSeconds:0.0}s");
        }
    }

    private static void DisposeAll(IEnumerable<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}
