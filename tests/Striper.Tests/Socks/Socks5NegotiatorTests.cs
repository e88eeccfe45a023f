using System.Net;
using System.Net.Sockets;
using Striper.Actors.Proxy;
using Striper.Actors.Socks;
using Striper.Tests.Support;

namespace Striper.Tests.Socks;

/// <summary>The SOCKS5 handshake on a real socket pair: what a client sends, what the proxy answers, what it takes away.</summary>
public sealed class Socks5NegotiatorTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public Socks5NegotiatorTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    [Theory]
    [InlineData("203.0.113.7", 443)]
    [InlineData("2001:db8::1", 22)]
    [InlineData("files.example.org", 8080)]
    public async Task A_CONNECT_should_yield_its_target_for_every_address_type(string host, int port)
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var negotiated = Socks5Negotiator.NegotiateAsync(server, null, Timeout, CancellationToken.None);

        await client.SendAsync(new byte[] { 5, 2, 0x02, 0x00 });
        Assert.Equal([5, 0], await SocksClient.ReadAsync(client, 2));
        await client.SendAsync(SocksClient.Request(host, port));

        Assert.Equal(new HostPort(host, port), await negotiated);
    }

    [Fact]
    public async Task A_greeting_without_an_acceptable_method_should_get_0xFF_and_fail_saying_so()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var negotiated = Socks5Negotiator.NegotiateAsync(server, null, Timeout, CancellationToken.None);

        await client.SendAsync(new byte[] { 5, 1, 0x02 });

        Assert.Equal([5, 0xFF], await SocksClient.ReadAsync(client, 2));
        var error = await Assert.ThrowsAsync<Socks5Exception>(() => negotiated);
        Assert.Contains("offers no method", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 5, 2, 0, 1, 0, 0, 0, 0, 0, 80 }, 0x07, "command 0x02 is not supported")]
    [InlineData(new byte[] { 5, 1, 0, 9, 0, 0 }, 0x08, "unknown SOCKS address type 0x09")]
    [InlineData(new byte[] { 5, 1, 0, 1, 127, 0, 0, 1, 0, 0 }, 0x01, "port 0")]
    [InlineData(new byte[] { 5, 1, 0, 3, 0 }, 0x01, "empty host")]
    [InlineData(new byte[] { 5, 1, 0, 3, 3, (byte)'a', (byte)' ', (byte)'b', 0, 80 }, 0x01, "not a DNS name")]
    public async Task A_request_that_cannot_be_served_should_get_its_RFC_reply_and_fail_naming_why(byte[] request, byte reply, string reason)
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var negotiated = Socks5Negotiator.NegotiateAsync(server, null, Timeout, CancellationToken.None);

        await client.SendAsync(new byte[] { 5, 1, 0 });
        await SocksClient.ReadAsync(client, 2);
        await client.SendAsync(request);

        var answer = await SocksClient.ReadAsync(client, 10);
        Assert.Equal(5, answer[0]);
        Assert.Equal(reply, answer[1]);
        var error = await Assert.ThrowsAsync<Socks5Exception>(() => negotiated);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_stops_talking_should_be_given_up_when_the_deadline_fires()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var negotiated = Socks5Negotiator.NegotiateAsync(server, null, TimeSpan.FromMilliseconds(300), CancellationToken.None);

        await client.SendAsync(new byte[] { 5 });

        var error = await Assert.ThrowsAsync<Socks5Exception>(() => negotiated.WaitAsync(Timeout));
        Assert.Contains("did not complete within 0.3s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_of_every_shape_should_end_in_a_Socks5Exception_and_nothing_else()
    {
        var random = new Random(1928);
        for (var i = 0; i < 300; i++)
        {
            var (client, server) = await PairAsync();
            using var _ = client;
            using var __ = server;
            var negotiated = Socks5Negotiator.NegotiateAsync(server, null, TimeSpan.FromSeconds(2), CancellationToken.None);

            // A valid prefix with random bytes after it, or random bytes alone; then the client hangs up.
            var garbage = new byte[random.Next(0, 64)];
            random.NextBytes(garbage);
            byte[] valid = [5, 1, 0, 5, 1, 0, 3, 4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 80];
            byte[] bytes = random.Next(2) == 0 ? [.. valid.AsSpan(0, random.Next(valid.Length)), .. garbage] : garbage;
            await client.SendAsync(bytes);
            client.Shutdown(SocketShutdown.Send);

            try
            {
                await negotiated.WaitAsync(Timeout);
            }
            catch (Exception ex) when (ex is Socks5Exception or SocketException)
            {
                // Expected: the only two ways a SOCKS handshake may end badly.
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private async Task<(Socket Client, Socket Server)> PairAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = _listener.AcceptAsync();
        await client.ConnectAsync(_listener.LocalEndPoint!);
        return (client, await accept);
    }
}
