using System.Buffers.Binary;
using System.Net.Sockets;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// A shared secret on both proxies: transfers still arrive intact (sealed or not), and every way of not holding
/// the secret (a different one, none, a recorded handshake, an old version) is refused with its reason, logged on
/// both sides, and the secret itself never shows up in any log.
/// </summary>
public sealed class AuthenticationTests
{
    private const long Size = 2L * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly StriperSettings Base = StriperSettings.Default with { Stripes = 4, HandshakeTimeout = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Transfer_with_a_shared_secret_should_arrive_intact(bool encrypt)
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom(), Encrypt = encrypt };
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, Size, seed: 6, Timeout);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task Encryption_asked_by_either_side_should_hide_the_bytes_on_the_wire(bool clientAsks, bool serverAsks)
    {
        var secret = SharedSecret.CreateRandom();
        await using var target = new HashingTarget(Size, seed: 5);
        TapRelay? relay = null;
        await using var pair = ProxyPair.Start(
            target.EndPoint,
            Base with { Secret = secret, Encrypt = serverAsks },
            interpose: server => (relay = new TapRelay(server, keep: 8 << 20)).EndPoint,
            clientSettings: Base with { Secret = secret, Encrypt = clientAsks });
        await using var _ = relay!;

        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, Size, seed: 7, Timeout);

        var sample = TestData.Random(4096, seed: 7)[1000..1064];
        Assert.True(relay!.Captured.Sum(c => c.Up.Length) > Size, "the relay saw the transfer");
        Assert.All(relay.Captured.Select(c => c.Up), record => Assert.Equal(-1, record.ToArray().AsSpan().IndexOf(sample)));
    }

    [Fact]
    public async Task Without_encryption_the_same_check_should_find_the_plaintext()
    {
        // Proves the check above can fail: with the frames in the clear, the sample is on the wire.
        var secret = SharedSecret.CreateRandom();
        await using var target = new HashingTarget(Size, seed: 5);
        TapRelay? relay = null;
        await using var pair = ProxyPair.Start(target.EndPoint, Base with { Secret = secret }, interpose: server => (relay = new TapRelay(server, keep: 8 << 20)).EndPoint);
        await using var _ = relay!;

        using var app = await pair.ConnectAsync();
        await target.AssertSingleExchangeAsync(app, Size, seed: 7, Timeout);

        var sample = TestData.Random(4096, seed: 7)[1000..1064];
        Assert.Contains(relay!.Captured.Select(c => c.Up), record => record.ToArray().AsSpan().IndexOf(sample) >= 0);
    }

    [Fact]
    public async Task Wrong_secret_should_be_refused_and_logged_as_such_on_both_sides()
    {
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(
            target.EndPoint, Base with { Secret = SharedSecret.CreateRandom() }, clientSettings: Base with { Secret = SharedSecret.CreateRandom() });

        await AssertRefusedAsync(pair);

        await pair.ClientLog.WaitForAsync("server refused the session: bad secret");
        await pair.ServerLog.WaitForAsync("bad secret: the client's proof does not match");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task Client_without_a_secret_should_be_refused_with_the_reason()
    {
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, Base with { Secret = SharedSecret.CreateRandom() }, clientSettings: Base);

        await AssertRefusedAsync(pair);

        await pair.ClientLog.WaitForAsync("server refused the session: secret required");
        await pair.ServerLog.WaitForAsync("offered no proof");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task Client_with_a_secret_should_refuse_a_server_without_one()
    {
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, Base, clientSettings: Base with { Secret = SharedSecret.CreateRandom() });

        await AssertRefusedAsync(pair);

        await pair.ClientLog.WaitForAsync("the server has no shared secret");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task Replayed_handshake_should_be_refused_as_a_bad_secret()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom(), Stripes = 1 };
        await using var target = new HashingTarget(Size, seed: 5);
        TapRelay? relay = null;
        await using var pair = ProxyPair.Start(target.EndPoint, settings, interpose: server => (relay = new TapRelay(server, keep: 8 << 20)).EndPoint);
        await using var _ = relay!;
        using (var app = await pair.ConnectAsync())
        {
            await target.AssertSingleExchangeAsync(app, Size, seed: 8, Timeout);
        }

        // What a real client sent: its hello, then its proof for that server's challenge.
        Assert.True(relay!.Captured.TryPeek(out var first));
        var recorded = first.Up;
        var replay = recorded!.ToArray()[..(Handshake.Size + ProtocolConstants.ProofSize)];
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await attacker.ConnectAsync(pair.Server.LocalEndPoint);
        await attacker.SendAsync(replay, SocketFlags.None);
        var answer = await ReadToEndAsync(attacker);

        Assert.Equal(HandshakeReply.ChallengeSize + HandshakeReply.Size, answer.Length);
        Assert.True(HandshakeReply.TryRead(answer.AsSpan(HandshakeReply.ChallengeSize), out var status, out var error), error);
        Assert.Equal(HandshakeStatus.BadSecret, status);
        await pair.ServerLog.WaitForAsync("a replayed handshake");
        Assert.Equal(1, target.Accepted);
    }

    [Fact]
    public async Task Version_1_client_should_get_a_reply_it_can_read_saying_the_version()
    {
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, Base);

        // Version 1's 32-byte OPEN.
        var hello = new byte[32];
        BinaryPrimitives.WriteUInt32BigEndian(hello, ProtocolConstants.Magic);
        hello[4] = 1;
        hello[5] = 1;
        hello[9] = 1;
        using var old = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await old.ConnectAsync(pair.Server.LocalEndPoint);
        await old.SendAsync(hello, SocketFlags.None);
        var reply = await ReadToEndAsync(old);

        // A version 1 client reads 8 bytes, checks the magic and then the version: "the peer speaks protocol version 2".
        Assert.Equal(HandshakeReply.Size, reply.Length);
        Assert.Equal(ProtocolConstants.Magic, BinaryPrimitives.ReadUInt32BigEndian(reply));
        Assert.Equal(ProtocolConstants.Version, reply[4]);
        Assert.True(HandshakeReply.TryRead(reply, out var status, out _));
        Assert.Equal(HandshakeStatus.UnsupportedVersion, status);
        await pair.ServerLog.WaitForAsync("unsupported version 1 (this proxy speaks 2)");
    }

    [Fact]
    public async Task Too_many_substreams_should_be_refused_with_the_reason()
    {
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, Base with { MaxSubstreamsPerSession = 2 }, clientSettings: Base with { Stripes = 4 });

        await AssertRefusedAsync(pair);

        await pair.ClientLog.WaitForAsync("server refused the session: too many substreams");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task Session_beyond_max_sessions_should_be_refused_with_the_reason()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom(), MaxSessions = 1 };
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        using var first = await pair.ConnectAsync();
        await pair.ServerLog.WaitForAsync("accepted: connected to");

        await AssertRefusedAsync(pair);

        await pair.ClientLog.WaitForAsync("server refused the session: too many sessions");
        await pair.ServerLog.WaitForAsync("refused: too many sessions");
    }

    [Fact]
    public async Task The_secret_should_never_appear_in_any_log()
    {
        var text = SharedSecret.GenerateText();
        Assert.True(SharedSecret.TryParse(text, out var secret, out _));
        var settings = Base with { Secret = secret, Encrypt = true };
        await using var target = new HashingTarget(Size, seed: 5);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        await using var stranger = ProxyPair.Start(target.EndPoint, Base with { Secret = SharedSecret.CreateRandom() }, clientSettings: settings);

        using (var app = await pair.ConnectAsync())
        {
            await target.AssertSingleExchangeAsync(app, Size, seed: 9, Timeout);
        }

        await AssertRefusedAsync(stranger);

        await stranger.ServerLog.WaitForAsync("bad secret");
        await stranger.ClientLog.WaitForAsync("bad secret");
        var forms = new[] { text, Convert.ToHexString(Convert.FromBase64String(ToBase64(text))), Convert.ToBase64String(Convert.FromBase64String(ToBase64(text))) };
        var everything = pair.ServerLog.Entries.Concat(pair.ClientLog.Entries).Concat(stranger.ServerLog.Entries).Concat(stranger.ClientLog.Entries)
            .Select(e => e.ToString() + e.Exception).ToList();
        Assert.NotEmpty(everything);
        foreach (var form in forms)
        {
            Assert.DoesNotContain(everything, line => line.Contains(form, StringComparison.OrdinalIgnoreCase));
        }

        Assert.DoesNotContain(text, settings.ToString(), StringComparison.Ordinal);
    }

    private static string ToBase64(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }

    /// <summary>
    /// The application's connection ends (reset or EOF) without data: the client proxy gave up on it. The refusal can
    /// be so quick that the reset already reaches the application's connect, which then reports it.
    /// </summary>
    private static async Task AssertRefusedAsync(ProxyPair pair)
    {
        Socket app;
        try
        {
            app = await pair.ConnectAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return;
        }

        using (app)
        {
            Assert.Empty(await ReadToEndAsync(app));
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout)) > 0)
            {
                all.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset also counts as closed.
        }

        return all.ToArray();
    }
}
