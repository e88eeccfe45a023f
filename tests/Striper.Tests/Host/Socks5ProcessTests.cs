using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Striper.Tests.Lab;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>
/// `striper -c --socks5` with real programs: curl fetching a file through the pair by name and by address, targets
/// the server does not allow, usernames and passwords, and garbage on the SOCKS port while a transfer runs.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Socks5ProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-socks-").FullName;

    [ToolFact("curl")]
    public async Task Curl_through_the_pair_should_fetch_a_file_by_name_and_by_address_with_an_equal_SHA256()
    {
        await using var web = new HttpFileTarget(24L * 1024 * 1024, seed: 1928);
        await using var pair = await StartAsync(web.EndPoint, "\"localhost:*\"");

        var byName = await CurlAsync("--socks5-hostname", pair.Socks, $"http://localhost:{web.EndPoint.Port}/file");
        var byAddress = await CurlAsync("--socks5", pair.Socks, $"http://127.0.0.1:{web.EndPoint.Port}/file");

        Assert.Equal(web.Sha256, byName);
        Assert.Equal(web.Sha256, byAddress);
        Assert.Equal(2, web.Accepted);
    }

    [Fact]
    public async Task A_target_the_server_does_not_allow_should_get_reply_2_and_a_reason_on_both_sides()
    {
        await using var web = new HttpFileTarget(1024, seed: 1);
        await using var pair = await StartAsync(web.EndPoint, allow: null);
        var other = Ports.Free();

        var (socket, reply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", other);
        using var _ = socket;
        var (named, namedReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "localhost", web.EndPoint.Port);
        using var __ = named;

        Assert.Equal(0x02, reply);
        Assert.Equal(0x02, namedReply);
        await pair.Server.WaitForLogAsync($"asked for 127.0.0.1:{other}: refused, 127.0.0.1:{other} is not in striper.server.allow", Timeout);
        await pair.Client.WaitForLogAsync("target not allowed", Timeout);
        Assert.Equal(0, web.Accepted);

        // The server's own target is always allowed.
        var (allowed, allowedReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port);
        using var ___ = allowed;
        Assert.Equal(0x00, allowedReply);
    }

    [Fact]
    public async Task An_unreachable_target_should_get_reply_4()
    {
        await using var web = new HttpFileTarget(1024, seed: 1);
        var closed = Ports.Free();
        await using var pair = await StartAsync(web.EndPoint, $"\"127.0.0.1:{closed}\"");

        var (socket, reply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", closed);
        using var _ = socket;

        Assert.Equal(0x04, reply);
    }

    [Fact]
    public async Task Usernames_and_passwords_should_be_checked_when_a_users_file_is_set()
    {
        var users = Path.Combine(_directory, "socks.users");
        await File.WriteAllTextAsync(users, "# who may use the proxy\nalice:wonderland\nbob:builder\n");
        File.SetUnixFileMode(users, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var web = new HttpFileTarget(64 * 1024, seed: 3);
        await using var pair = await StartAsync(web.EndPoint, allow: null, $"striper.socks.users-file = \"{users}\"");

        var (wrong, wrongReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port, ("alice", "looking-glass"));
        using var _ = wrong;
        var (none, noneReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port);
        using var __ = none;
        var (right, rightReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port, ("bob", "builder"));
        using var ___ = right;

        Assert.Equal(0xFF, wrongReply);
        Assert.Equal(0xFF, noneReply);
        Assert.Equal(0x00, rightReply);
        await pair.Client.WaitForLogAsync("SOCKS authentication failed", Timeout);
        Assert.Equal(1, web.Accepted);
    }

    [Fact]
    public async Task Garbage_on_the_SOCKS_port_should_close_only_those_connections_while_a_transfer_goes_on()
    {
        await using var web = new HttpFileTarget(64L * 1024 * 1024, seed: 7);
        await using var pair = await StartAsync(web.EndPoint, allow: null);
        var (socket, reply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port);
        using var transfer = socket;
        Assert.Equal(0x00, reply);
        await transfer.SendAsync("GET /file HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var download = ReadBodyHashAsync(transfer);

        var random = new Random(1929);
        var garbage = Enumerable.Range(0, 200).Select(async i =>
        {
            using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await bad.ConnectAsync(pair.SocksEndPoint);
            byte[] bytes;
            lock (random)
            {
                bytes = new byte[random.Next(1, 300)];
                random.NextBytes(bytes);
                if (i % 3 == 0)
                {
                    bytes[0] = 5;
                }
            }

            // The proxy answers what the RFC has an answer for, then closes; unread bytes make that close a reset.
            try
            {
                await bad.SendAsync(bytes);
                bad.Shutdown(SocketShutdown.Send);
                var sink = new byte[64];
                using var wait = new CancellationTokenSource(Timeout);
                while (await bad.ReceiveAsync(sink, SocketFlags.None, wait.Token) > 0)
                {
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
            {
            }
        });
        await Task.WhenAll(garbage);

        Assert.Equal(web.Sha256, await download.WaitAsync(Timeout));
        Assert.False(pair.Client.HasExited);
        var (after, afterReply) = await SocksClient.ConnectAsync(pair.SocksEndPoint, "127.0.0.1", web.EndPoint.Port);
        using var _ = after;
        Assert.Equal(0x00, afterReply);
    }

    [Fact]
    public async Task A_SOCKS_proxy_without_users_off_loopback_should_exit_2_naming_the_choices()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", $"0.0.0.0:{Ports.Free()}", "127.0.0.1:9", "--socks5", "--control", "off");

        Assert.Equal(2, code);
        Assert.Contains("set striper.socks.users-file, listen on loopback, or add --insecure", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wildcard_allow_entry_should_exit_2_naming_the_file_and_the_setting()
    {
        var config = Path.Combine(_directory, "relay.conf");
        await File.WriteAllTextAsync(config, "striper.server.allow = [\"*:*\"]\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", $"127.0.0.1:{Ports.Free()}", "127.0.0.1:22", "--config", config, "--control", "off");

        Assert.Equal(2, code);
        Assert.Contains(config, stderr, StringComparison.Ordinal);
        Assert.Contains("striper.server.allow: '*:*': a wildcard host would make the server an open relay", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<SocksPair> StartAsync(IPEndPoint target, string? allow, string extraConfig = "")
    {
        var config = Path.Combine(_directory, $"striper-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"striper.server.allow = [{allow}]\n{extraConfig}\n");
        var serverPort = Ports.Free().ToString(CultureInfo.InvariantCulture);
        var socksPort = Ports.Free();
        var server = ChildProcess.StartStriper("-s", $"127.0.0.1:{serverPort}", target.ToString(), "--config", config, "--control", "off");
        await server.WaitForLogAsync("server proxy listening", Timeout);
        var client = ChildProcess.StartStriper("-c", $"127.0.0.1:{socksPort}", "127.0.0.1", serverPort, "--socks5", "--stripes", "4", "--config", config, "--control", "off");
        await client.WaitForLogAsync("as a SOCKS5 proxy", Timeout);
        return new SocksPair(server, client, new IPEndPoint(IPAddress.Loopback, socksPort));
    }

    private static async Task<string> CurlAsync(string mode, string proxy, string url)
    {
        var output = Path.GetTempFileName();
        try
        {
            var (code, _, stderr) = await LabShell.RunAsync("curl", ["-sS", "--fail", mode, proxy, "-o", output, url], Timeout);
            Assert.True(code == 0, $"curl {mode} exited {code}: {stderr}");
            await using var file = File.OpenRead(output);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Skips the HTTP head, hashes the body to the end of the stream.</summary>
    private static async Task<string> ReadBodyHashAsync(Socket socket)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        var head = new List<byte>();
        var inBody = false;
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            var chunk = buffer.AsSpan(0, read);
            if (!inBody)
            {
                head.AddRange(chunk.ToArray());
                var text = System.Text.Encoding.ASCII.GetString([.. head]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                inBody = true;
                hash.AppendData([.. head.Skip(end + 4)]);
                continue;
            }

            hash.AppendData(chunk);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record SocksPair(ChildProcess Server, ChildProcess Client, IPEndPoint SocksEndPoint) : IAsyncDisposable
    {
        public string Socks => SocksEndPoint.ToString();

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
