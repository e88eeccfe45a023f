using System.Net.Sockets;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Fuzz;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// Bad input on the server's substream port closes only the connection it came on, with a logged reason,
/// while a real transfer through the same server carries on intact.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly StriperSettings FastTimeouts = StriperSettings.Default with { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public async Task Garbage_on_the_substream_port_should_close_only_that_connection()
    {
        await using var fixture = await Fixture.StartAsync();

        using var junk = await fixture.ConnectRawAsync();
        await junk.SendAsync(TestData.Random(4096, seed: 3), SocketFlags.None);
        var reply = await ReadToEndAsync(junk);

        Assert.True(HandshakeReply.TryRead(reply, out var status, out _));
        Assert.Equal(HandshakeStatus.BadHandshake, status);
        await fixture.Pair.ServerLog.WaitForAsync("bad magic");
        await fixture.AssertTransferStillIntactAsync();
    }

    [Fact]
    public async Task Truncated_handshake_should_be_closed_after_the_handshake_timeout()
    {
        await using var fixture = await Fixture.StartAsync();

        using var slow = await fixture.ConnectRawAsync();
        await slow.SendAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 8).ToArray().AsMemory(0, 10), SocketFlags.None);
        await ReadToEndAsync(slow).WaitAsync(TimeSpan.FromSeconds(5));

        await fixture.Pair.ServerLog.WaitForAsync("no complete handshake within 0.5s (10 of 48 bytes)");
        await fixture.AssertTransferStillIntactAsync();
    }

    [Fact]
    public async Task Join_for_an_unknown_session_should_be_refused_with_its_reason()
    {
        await using var fixture = await Fixture.StartAsync();

        using var stray = await fixture.ConnectRawAsync();
        await stray.SendAsync(new Handshake(HandshakeKind.Join, Guid.NewGuid(), 3, 8).ToArray(), SocketFlags.None);
        var reply = await ReadToEndAsync(stray);

        Assert.True(HandshakeReply.TryRead(reply, out var status, out _));
        Assert.Equal(HandshakeStatus.UnknownSession, status);
        await fixture.Pair.ServerLog.WaitForAsync("does not know this session");
        await fixture.AssertTransferStillIntactAsync();
    }

    [Theory]
    [InlineData(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "unknown frame type 9")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "DATA length 2147483647")]
    public async Task Malformed_frame_after_a_valid_open_should_close_that_substream_with_the_reason(byte[] frame, string reason)
    {
        await using var fixture = await Fixture.StartAsync();

        using var rogue = await fixture.ConnectRawAsync();
        await rogue.SendAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 1).ToArray(), SocketFlags.None);
        var accepted = new byte[HandshakeReply.Size];
        await rogue.ReceiveAsync(accepted, SocketFlags.None);
        await rogue.SendAsync(frame, SocketFlags.None);

        await fixture.Pair.ServerLog.WaitForAsync(reason);
        await fixture.AssertTransferStillIntactAsync();
    }

    [Fact]
    public async Task Hostile_substreams_during_a_transfer_should_neither_disturb_it_nor_stop_the_server()
    {
        await using var fixture = await Fixture.StartAsync(tap: true);
        var corpus = await FuzzCorpus.SubstreamAsync();
        var random = FuzzRun.Random(301);
        using var app = await fixture.Pair.ConnectAsync();
        var victim = await fixture.VictimHandshakeAsync();

        // While the victim's session is open (its application has not finished sending, so it cannot have ended), a
        // peer that knows its id can neither open it again nor join it with another substream count...
        await fixture.AttackAsync(new Handshake(HandshakeKind.Open, victim.SessionId, 0, victim.Count), [], HandshakeStatus.Conflict);
        await fixture.AttackAsync(new Handshake(HandshakeKind.Join, victim.SessionId, 0, victim.Count + 1), [], HandshakeStatus.Conflict);

        // ...and a JOIN that matches takes over one of its substreams (nothing authenticates it yet), but frames that
        // break the rules only cost the victim that substream, which its client dials again.
        await fixture.AttackAsync(new Handshake(HandshakeKind.Join, victim.SessionId, victim.Count - 1, victim.Count), [9, .. new byte[23]]);

        var transfer = fixture.ExchangeAsync(app);
        var attacks = new List<Task>();
        // A dozen in CI; a long fuzzing run (STRIPER_FUZZ_ITERATIONS) sends a few hundred.
        for (var i = 0; i < Math.Min(FuzzRun.Iterations(12), 400); i++)
        {
            // A session of its own, then mutated real traffic: whatever it does stays in that session.
            var seed = corpus[random.Next(corpus.Count)];
            var mutated = Mutator.Mutate(seed, corpus, ProtocolConstants.AbsoluteMaxPayload, random);
            var prefix = seed.Kind == FuzzSeedKind.SubstreamUp ? Handshake.Size : HandshakeReply.Size;
            var frames = mutated.AsSpan(Math.Min(mutated.Length, prefix)).ToArray();
            attacks.Add(fixture.AttackAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 1), frames));
        }

        attacks.Add(fixture.AttackAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 1), TestData.Random(64 * 1024, seed: 9)));
        attacks.Add(fixture.AttackAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 1), DuplicateFlood(4 * 1024 * 1024)));
        await Task.WhenAll(attacks).WaitAsync(TimeSpan.FromSeconds(30));

        await transfer.WaitAsync(TimeSpan.FromSeconds(60));
        await fixture.Pair.ServerLog.WaitForAsync("unknown frame type 9");
        await fixture.AssertTransferStillIntactAsync();

        // Hostile input ends substreams and sessions through the protocol, never by making an actor throw.
        var failures = fixture.Pair.ServerLog.Entries.Where(e => e.EventId.Id is >= 1200 and <= 1202).Select(e => $"{e.Message}: {e.Exception}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_peer_that_floods_frames_and_never_reads_the_answers_should_be_cut_off()
    {
        // Every FIN is answered with an ACK. Before the leg watched its unsent frames, a peer repeating a valid FIN and
        // never reading grew the server's heap by about 65 MB a second, for as long as it went on.
        await using var fixture = await Fixture.StartAsync();
        using var rogue = await fixture.ConnectRawAsync();
        await rogue.SendAsync(new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 1).ToArray(), SocketFlags.None);
        var accepted = new byte[HandshakeReply.Size];
        await rogue.ReceiveAsync(accepted, SocketFlags.None);
        var fins = WireFrame.Encode(Enumerable.Repeat(WireFrame.Fin(0), 10_000));

        var cutOff = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                await rogue.SendAsync(fins, SocketFlags.None, deadline.Token);
            }
        });

        Assert.Equal(SocketError.ConnectionReset, cutOff.SocketErrorCode);
        await fixture.Pair.ServerLog.WaitForAsync("the peer is not reading");
        await fixture.AssertTransferStillIntactAsync();
    }

    /// <summary>The same DATA frame over and over: legal (offset 0 is within any credit), and pointless but for the load.</summary>
    private static byte[] DuplicateFlood(int size) =>
        WireFrame.Encode(Enumerable.Repeat(WireFrame.Data(0, 1, TestData.Random(1000, seed: 4)), size / 1024));

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10))) > 0)
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

    /// <summary>A proxy pair in front of a target that sends and hashes, with a transfer to prove it still works.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private const long Size = 4L * 1024 * 1024;
        private readonly HashingTarget _target;
        private readonly TapRelay? _tap;

        private Fixture(HashingTarget target, ProxyPair pair, TapRelay? tap)
        {
            _target = target;
            _tap = tap;
            Pair = pair;
        }

        public ProxyPair Pair { get; }

        /// <param name="tap">Put a recording relay between the proxies, so a test can learn a real session's id.</param>
        public static Task<Fixture> StartAsync(bool tap = false)
        {
            var target = new HashingTarget(Size, seed: 31);
            TapRelay? relay = null;
            var pair = ProxyPair.Start(target.EndPoint, FastTimeouts, interpose: tap ? server => (relay = new TapRelay(server, Handshake.Size)).EndPoint : null);
            return Task.FromResult(new Fixture(target, pair, relay));
        }

        /// <summary>A whole exchange through the proxies; both directions' SHA-256 must match.</summary>
        public async Task ExchangeAsync(Socket app)
        {
            var sent = await _target.ExchangeAsync(app, Size, seed: 30, TimeSpan.FromSeconds(60));
            await WaitForAsync(() => _target.Received.Contains(sent));
        }

        /// <summary>
        /// The handshake of the first substream the client proxy opened, as the tap recorded it, once the server has
        /// answered it: only then does the server know the session, so an attack cannot overtake the victim's OPEN.
        /// </summary>
        public async Task<Handshake> VictimHandshakeAsync()
        {
            Handshake handshake = default;
            await WaitForAsync(() => _tap!.Captured.TryPeek(out var first)
                && Recorded(first.Down).Length >= HandshakeReply.Size
                && Handshake.TryRead(Recorded(first.Up), out handshake, out _));
            return handshake;
        }

        /// <summary>A copy of what the tap has recorded so far; it writes under the same lock.</summary>
        private static byte[] Recorded(MemoryStream record)
        {
            lock (record)
            {
                return record.ToArray();
            }
        }

        /// <summary>Connects straight to the server, sends a handshake and then <paramref name="after"/>, reading whatever comes back.</summary>
        public async Task AttackAsync(Handshake handshake, byte[] after, HandshakeStatus expected = HandshakeStatus.Accepted)
        {
            using var socket = await ConnectRawAsync();
            await socket.SendAsync(handshake.ToArray(), SocketFlags.None);
            var reply = new byte[HandshakeReply.Size];
            var read = 0;
            while (read < reply.Length && await socket.ReceiveAsync(reply.AsMemory(read), SocketFlags.None) is var n and > 0)
            {
                read += n;
            }

            Assert.True(HandshakeReply.TryRead(reply, out var status, out var error), error);
            Assert.Equal(expected, status);
            try
            {
                // Never reads what the server sends back: a hostile peer need not, and the server must not care.
                for (var at = 0; at < after.Length; at += 64 * 1024)
                {
                    await socket.SendAsync(after.AsMemory(at, Math.Min(64 * 1024, after.Length - at)), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                }
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                // Closed on a violation, or paced: either way the server has stopped listening to this peer.
            }
        }

        public async Task<Socket> ConnectRawAsync()
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(Pair.Server.LocalEndPoint);
            return socket;
        }

        public async Task AssertTransferStillIntactAsync()
        {
            using var app = await Pair.ConnectAsync();
            await _target.ExchangeAsync(app, Size, seed: 30, TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            await Pair.DisposeAsync();
            if (_tap is not null)
            {
                await _tap.DisposeAsync();
            }

            await _target.DisposeAsync();
        }

        private static async Task WaitForAsync(Func<bool> condition)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!condition())
            {
                await Task.Delay(10, timeout.Token);
            }
        }
    }
}
