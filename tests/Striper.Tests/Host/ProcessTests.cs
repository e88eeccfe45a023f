using System.Net;
using System.Net.Sockets;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>The program as users run it: two processes, real sockets, a signal to stop.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Demo_should_pass_and_report_every_substream()
    {
        var (code, stdout, stderr) = await ChildProcess.RunStriperAsync(Timeout, "demo", "--size", "16MiB", "--stripes", "4");

        Assert.True(code == 0, $"demo exited {code}\n{stdout}\n{stderr}");
        Assert.Contains("PASS", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split("match").Length - 1);
        Assert.Contains("MB/s", stdout, StringComparison.Ordinal);
        Assert.Matches(@"dashboard http://127\.0\.0\.1:\d+/", stdout);
    }

    [Fact]
    public Task Client_and_server_processes_should_carry_a_transfer_and_stop_on_SIGTERM() =>
        ExchangeThroughProcessesAsync(
            upSeed: 1,
            downSeed: 2,
            (serverPort, target) => ["-s", $"127.0.0.1:{serverPort}", target],
            "listening",
            (clientPort, serverPort) => ["-c", $"127.0.0.1:{clientPort}", "127.0.0.1", serverPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--stripes", "3"],
            "listening");

    [Fact]
    public Task Client_and_server_processes_should_carry_a_transfer_over_msp_substreams() =>
        ExchangeThroughProcessesAsync(
            upSeed: 3,
            downSeed: 4,
            (serverPort, target) => ["-s", $"127.0.0.1:{serverPort}", target, "--transport", "msp"],
            "substreams on TCP and MSP on UDP",
            (clientPort, serverPort) => ["-c", $"127.0.0.1:{clientPort}", $"127.0.0.1:{serverPort}", "--stripes", "4", "--transport", "msp"],
            "4 substreams (msp)");

    /// <summary>
    /// Starts a server and a client process (their arguments made from the chosen ports and the target), pushes
    /// 16 MiB each way through them with SHA-256 checks, then stops both with SIGTERM and expects exit code 0.
    /// </summary>
    private static async Task ExchangeThroughProcessesAsync(
        int upSeed,
        int downSeed,
        Func<int, string, string[]> serverArgs,
        string serverReady,
        Func<int, int, string[]> clientArgs,
        string clientReady)
    {
        const long size = 16L * 1024 * 1024;
        var received = new TaskCompletionSource<byte[]>();
        await using var target = new TestTarget(async socket =>
        {
            var send = TestData.SendAsync(socket, size, seed: downSeed);
            received.SetResult((await TestData.ReceiveAsync(socket)).Hash);
            await send;
        });
        var serverPort = Ports.Free();
        var clientPort = Ports.Free();
        await using var server = ChildProcess.StartStriper(serverArgs(serverPort, target.EndPoint.ToString()));
        await server.WaitForLogAsync(serverReady, Timeout);
        await using var client = ChildProcess.StartStriper(clientArgs(clientPort, serverPort));
        await client.WaitForLogAsync(clientReady, Timeout);

        using var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await app.ConnectAsync(IPAddress.Loopback, clientPort);
        var sent = TestData.SendAsync(app, size, seed: upSeed);
        var (downHash, downBytes) = await TestData.ReceiveAsync(app).WaitAsync(Timeout);

        Assert.Equal(size, downBytes);
        Assert.Equal(TestData.Sha256(size, seed: downSeed), downHash);
        Assert.Equal(await sent, await received.Task.WaitAsync(Timeout));

        client.Signal(15);
        server.Signal(15);
        Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }
}
