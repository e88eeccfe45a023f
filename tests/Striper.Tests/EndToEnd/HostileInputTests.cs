using System.Net.Sockets;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
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

        private Fixture(HashingTarget target, ProxyPair pair)
        {
            _target = target;
            Pair = pair;
        }

        public ProxyPair Pair { get; }

        public static Task<Fixture> StartAsync()
        {
            var target = new HashingTarget(Size, seed: 31);
            return Task.FromResult(new Fixture(target, ProxyPair.Start(target.EndPoint, FastTimeouts)));
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
            await _target.DisposeAsync();
        }
    }
}
