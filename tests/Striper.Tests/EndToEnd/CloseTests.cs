using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>Half-close travels in each direction independently; resets travel promptly; nothing hangs.</summary>
public sealed class CloseTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Client_half_close_should_still_receive_the_whole_reply()
    {
        // Like `nc -N`: the client sends a request, shuts down its write side, then reads the reply.
        const long replySize = 8L * 1024 * 1024;
        var requestAtTarget = new TaskCompletionSource<(byte[] Hash, long Bytes)>();
        await using var target = new TestTarget(async socket =>
        {
            var request = await TestData.ReceiveAsync(socket);
            requestAtTarget.SetResult(request);
            await TestData.SendAsync(socket, replySize, seed: 9);
        });
        await using var pair = ProxyPair.Start(target.EndPoint);
        using var app = await pair.ConnectAsync();

        var requestHash = await TestData.SendAsync(app, 3 * 1024 * 1024 + 5, seed: 8, shutdown: true);
        var (requestReceived, requestBytes) = await requestAtTarget.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var (replyHash, replyBytes) = await TestData.ReceiveAsync(app).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(3 * 1024 * 1024 + 5, requestBytes);
        Assert.Equal(requestHash, requestReceived);
        Assert.Equal(replySize, replyBytes);
        Assert.Equal(TestData.Sha256(replySize, seed: 9), replyHash);
    }

    [Fact]
    public async Task Target_half_close_should_still_carry_what_the_client_sends_afterwards()
    {
        // The target speaks first and shuts down its write side; the client keeps sending after seeing EOF.
        const long uploadSize = 6L * 1024 * 1024;
        var uploadAtTarget = new TaskCompletionSource<(byte[] Hash, long Bytes)>();
        await using var target = new TestTarget(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("HELLO, THEN SILENCE\n"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            uploadAtTarget.SetResult(await TestData.ReceiveAsync(socket));
        });
        await using var pair = ProxyPair.Start(target.EndPoint);
        using var app = await pair.ConnectAsync();

        var (_, greetingBytes) = await TestData.ReceiveAsync(app).WaitAsync(TimeSpan.FromSeconds(10));
        var uploadHash = await TestData.SendAsync(app, uploadSize, seed: 12);
        var (uploadReceived, uploadBytes) = await uploadAtTarget.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("HELLO, THEN SILENCE\n".Length, greetingBytes);
        Assert.Equal(uploadSize, uploadBytes);
        Assert.Equal(uploadHash, uploadReceived);
    }

    [Fact]
    public async Task Interactive_exchange_should_echo_small_writes_promptly()
    {
        // An ssh-like session: many tiny writes, each answered before the next.
        await using var target = new TestTarget(async socket =>
        {
            var buffer = new byte[1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        });
        await using var pair = ProxyPair.Start(target.EndPoint);
        using var app = await pair.ConnectAsync();
        var reply = new byte[64];

        for (var i = 0; i < 200; i++)
        {
            var line = Encoding.ASCII.GetBytes($"keystroke {i}\n");
            await app.SendAsync(line, SocketFlags.None);
            var got = 0;
            while (got < line.Length)
            {
                got += await app.ReceiveAsync(reply.AsMemory(got), SocketFlags.None).AsTask().WaitAsync(Prompt);
            }

            Assert.Equal(line, reply.AsSpan(0, got).ToArray());
        }
    }

    [Fact]
    public async Task Client_reset_should_reach_the_target_promptly()
    {
        var targetSaw = new TaskCompletionSource<string>();
        await using var target = new TestTarget(async socket =>
        {
            try
            {
                var (_, bytes) = await TestData.ReceiveAsync(socket);
                targetSaw.SetResult($"EOF after {bytes} bytes");
            }
            catch (SocketException ex)
            {
                targetSaw.SetResult(ex.SocketErrorCode.ToString());
            }
        });
        await using var pair = ProxyPair.Start(target.EndPoint);
        var app = await pair.ConnectAsync();
        await app.SendAsync(new byte[100_000], SocketFlags.None);
        await pair.ServerLog.WaitForAsync("accepted: connected to");

        var clock = Stopwatch.StartNew();
        app.LingerState = new LingerOption(true, 0);
        app.Close();
        var outcome = await targetSaw.Task.WaitAsync(Prompt);

        Assert.Equal(nameof(SocketError.ConnectionReset), outcome);
        Assert.True(clock.Elapsed < Prompt, $"reset took {clock.Elapsed}");
        await pair.ClientLog.WaitForAsync("aborted");
    }

    [Fact]
    public async Task Target_reset_should_reach_the_client_promptly()
    {
        await using var target = new TestTarget(async socket =>
        {
            // Mid-stream: only after the tunnelled connection has carried data both ways.
            await socket.ReceiveAsync(new byte[5], SocketFlags.None);
            await socket.SendAsync(new byte[50_000], SocketFlags.None);
            socket.LingerState = new LingerOption(true, 0);
        });
        await using var pair = ProxyPair.Start(target.EndPoint);
        using var app = await pair.ConnectAsync();
        await app.SendAsync("hello"u8.ToArray(), SocketFlags.None);

        var error = await Assert.ThrowsAsync<SocketException>(() => TestData.ReceiveAsync(app).WaitAsync(Prompt));

        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        await pair.ServerLog.WaitForAsync("aborted");
    }

    [Fact]
    public async Task Refused_target_should_close_the_client_promptly_with_the_reason_logged()
    {
        // A port nobody listens on: bind, note the port, close.
        var unused = new TestTarget(_ => Task.CompletedTask);
        var deadEndPoint = unused.EndPoint;
        await unused.DisposeAsync();
        await using var pair = ProxyPair.Start(deadEndPoint);
        using var app = await pair.ConnectAsync();

        var clock = Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(() => TestData.ReceiveAsync(app).WaitAsync(Prompt));

        Assert.True(error is null or SocketException, $"expected EOF or reset, got {error}");
        Assert.True(clock.Elapsed < Prompt);
        await pair.ServerLog.WaitForAsync("unreachable");
        await pair.ClientLog.WaitForAsync("could not connect to its target");
    }

    [Fact]
    public async Task Unreachable_server_proxy_should_close_the_client_promptly_with_the_reason_logged()
    {
        await using var target = new TestTarget(_ => Task.CompletedTask);
        await using var pair = ProxyPair.Start(target.EndPoint);
        await pair.Server.DisposeAsync();
        await Task.Delay(200);

        // The reset can be so prompt that it reaches the application while its connect completes.
        var error = await Record.ExceptionAsync(async () =>
        {
            using var app = await pair.ConnectAsync();
            await TestData.ReceiveAsync(app).WaitAsync(Prompt);
        });

        Assert.True(error is null or SocketException, $"expected EOF or reset, got {error}");
        await pair.ClientLog.WaitForAsync("cannot open a session");
    }
}
