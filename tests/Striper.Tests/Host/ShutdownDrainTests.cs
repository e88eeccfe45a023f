using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>
/// SIGTERM in the middle of a transfer: Akka's coordinated shutdown drains the proxy. The open connection finishes
/// intact, a new one is refused, and the process exits 0 once the last connection has ended.
/// </summary>
public sealed class ShutdownDrainTests
{
    private const int Half = 4 * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_client_told_to_stop_mid_transfer_should_finish_it_refuse_new_connections_and_exit_0()
    {
        await using var setup = await ProxyProcessesAsync();
        using var app = await ConnectAsync(setup.ClientPort);
        var payload = TestData.Random(2 * Half, seed: 41);
        await SendAsync(app, payload.AsMemory(0, Half));

        setup.Client.Signal(15);
        await setup.Client.WaitForLogAsync("draining", Timeout);

        // Drained, not stopped: the listener is gone, the open connection still carries the second half.
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(setup.ClientPort));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await SendAsync(app, payload.AsMemory(Half));
        app.Shutdown(SocketShutdown.Send);

        Assert.Equal(SHA256.HashData(payload), await setup.ReceivedHash.WaitAsync(Timeout));
        Assert.Equal(SHA256.HashData(payload), await ReadReplyHashAsync(app));
        app.Close();
        Assert.Equal(0, await setup.Client.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("every connection has ended", setup.Client.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_told_to_stop_mid_transfer_should_finish_it_refuse_new_sessions_and_exit_0()
    {
        await using var setup = await ProxyProcessesAsync();
        using var app = await ConnectAsync(setup.ClientPort);
        var payload = TestData.Random(2 * Half, seed: 42);
        await SendAsync(app, payload.AsMemory(0, Half));

        setup.Server.Signal(15);
        await setup.Server.WaitForLogAsync("draining", Timeout);

        // A new session is refused by the server: the client proxy closes the application's connection unserved.
        using (var late = await ConnectAsync(setup.ClientPort))
        {
            var buffer = new byte[16];
            var read = await ReadOrResetAsync(late, buffer).WaitAsync(Timeout);
            Assert.Equal(0, read);
        }

        await SendAsync(app, payload.AsMemory(Half));
        app.Shutdown(SocketShutdown.Send);
        Assert.Equal(SHA256.HashData(payload), await setup.ReceivedHash.WaitAsync(Timeout));
        Assert.Equal(SHA256.HashData(payload), await ReadReplyHashAsync(app));
        app.Close();
        Assert.Equal(0, await setup.Server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, setup.TargetConnections);
    }

    /// <summary>A target that hashes what it receives and answers with the same bytes' hash, then closes.</summary>
    private static async Task<Setup> ProxyProcessesAsync()
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = new TestTarget(async socket =>
        {
            var (hash, _) = await TestData.ReceiveAsync(socket);
            received.TrySetResult(hash);
            await socket.SendAsync(hash);
            socket.Shutdown(SocketShutdown.Send);
        });
        var serverPort = Ports.Free();
        var clientPort = Ports.Free();
        var server = ChildProcess.StartStriper("-s", $"127.0.0.1:{serverPort}", target.EndPoint.ToString());
        await server.WaitForLogAsync("listening", Timeout);
        var client = ChildProcess.StartStriper("-c", $"127.0.0.1:{clientPort}", "127.0.0.1", serverPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--stripes", "3");
        await client.WaitForLogAsync("listening", Timeout);
        return new Setup(target, server, client, clientPort, received.Task);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data)..];
        }
    }

    private static async Task<byte[]> ReadReplyHashAsync(Socket socket)
    {
        var hash = new byte[32];
        var filled = 0;
        while (filled < hash.Length)
        {
            var read = await socket.ReceiveAsync(hash.AsMemory(filled)).AsTask().WaitAsync(Timeout);
            Assert.True(read > 0, "the connection ended before the target's answer arrived");
            filled += read;
        }

        return hash;
    }

    /// <summary>The bytes read before the end, a reset counted as the end.</summary>
    private static async Task<int> ReadOrResetAsync(Socket socket, byte[] buffer)
    {
        try
        {
            return await socket.ReceiveAsync(buffer);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }

    private sealed record Setup(TestTarget Target, ChildProcess Server, ChildProcess Client, int ClientPort, Task<byte[]> ReceivedHash) : IAsyncDisposable
    {
        public int TargetConnections => Target.Accepted;

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            await Target.DisposeAsync();
        }
    }
}
