using Striper.Actors.Security;
using Striper.Actors.Sessions;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// With a secret, a session is opened with a session key that its JOINs must prove: a holder of the secret who
/// knows a session's id (it is in both proxies' logs and status) still cannot join it, nor replay a JOIN. A server
/// from before session keys refuses the OPEN's flag, and the client then opens its sessions as before.
/// </summary>
public sealed class SessionKeyTests
{
    private const long Size = 4L * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly StriperSettings Base = StriperSettings.Default with { Stripes = 4, HandshakeTimeout = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task A_join_proven_with_the_secret_alone_should_be_refused_for_a_session_opened_with_a_key()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom() };
        await using var target = new HashingTarget(Size, seed: 91);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        using var app = await pair.ConnectAsync();
        var session = await OpenSessionAsync(pair);

        var error = await DialJoinAsync(pair, settings, session, SessionBinding.Proving(null));

        Assert.Equal(HandshakeStatus.Conflict, error.Status);
        await pair.ServerLog.WaitForAsync($"a JOIN to session {session} without its session key");
        await target.AssertSingleExchangeAsync(app, Size, seed: 92, Timeout);
    }

    [Fact]
    public async Task A_join_with_a_wrong_session_key_should_be_refused_as_a_bad_secret()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom() };
        await using var target = new HashingTarget(Size, seed: 93);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);
        using var app = await pair.ConnectAsync();
        var session = await OpenSessionAsync(pair);

        var error = await DialJoinAsync(pair, settings, session, SessionBinding.Proving(new byte[32]));

        Assert.Equal(HandshakeStatus.BadSecret, error.Status);
        await pair.ServerLog.WaitForAsync($"does not match session {session}'s key");
        await target.AssertSingleExchangeAsync(app, Size, seed: 94, Timeout);
    }

    [Fact]
    public async Task A_join_with_a_session_key_for_a_session_the_server_lacks_should_be_refused_as_unknown()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom() };
        await using var target = new HashingTarget(Size, seed: 95);
        await using var pair = ProxyPair.Start(target.EndPoint, settings);

        var error = await DialJoinAsync(pair, settings, Guid.NewGuid(), SessionBinding.Proving(new byte[32]));

        Assert.Equal(HandshakeStatus.UnknownSession, error.Status);
    }

    [Fact]
    public async Task A_client_should_open_sessions_as_before_with_a_server_that_predates_session_keys()
    {
        var settings = Base with { Secret = SharedSecret.CreateRandom() };
        await using var target = new HashingTarget(Size, seed: 97);
        ChaosRelay? relay = null;
        await using var pair = ProxyPair.Start(
            target.EndPoint, settings, interpose: server => (relay = new ChaosRelay(server) { ActAsServerWithoutSessionKeys = true }).EndPoint);
        await using var _ = relay!;

        var sent = new List<string>();
        for (var connection = 0; connection < 2; connection++)
        {
            using var app = await pair.ConnectAsync();
            sent.Add(await target.ExchangeAsync(app, Size, seed: 98 + connection, Timeout));
            await target.WhenHandlersDoneAsync();
        }

        Assert.Equal(sent, target.Received);

        // Only the first OPEN asked: the client proxy remembers the answer for its later sessions, and says so once.
        Assert.Equal(1, relay!.SessionKeysRefused);
        Assert.Single(pair.ClientLog.Entries, e => e.Message.Contains("does not know session keys", StringComparison.Ordinal));
    }

    [Fact]
    public void A_hello_asking_for_a_session_key_without_a_secret_should_be_malformed()
    {
        var hello = new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 4) { Flags = HandshakeFlags.SessionKey }.ToArray();

        Assert.False(Handshake.TryRead(hello, out _, out var error));
        Assert.Equal("a session key asked for without a secret", error);
    }

    private static async Task<Guid> OpenSessionAsync(ProxyPair pair)
    {
        await pair.ServerLog.WaitForAsync("accepted: connected to");
        return Assert.Single(pair.ServerMetrics.Connections).Id;
    }

    private static async Task<SubstreamRefusedException> DialJoinAsync(ProxyPair pair, StriperSettings settings, Guid session, SessionBinding binding)
    {
        var join = new Handshake(HandshakeKind.Join, session, 1, settings.SessionSubstreams);
        var server = pair.Server.LocalEndPoint;
        return await Assert.ThrowsAsync<SubstreamRefusedException>(
            () => SubstreamDialer.DialAsync(server.Address.ToString(), server.Port, join, settings, CancellationToken.None, key: binding));
    }
}
