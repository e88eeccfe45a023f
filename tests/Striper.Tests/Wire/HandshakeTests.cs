using Striper.Actors.Wire;

namespace Striper.Tests.Wire;

public sealed class HandshakeTests
{
    [Fact]
    public void Handshake_should_round_trip()
    {
        var handshake = new Handshake(HandshakeKind.Join, Guid.NewGuid(), 7, 16)
        {
            Flags = HandshakeFlags.Authenticate | HandshakeFlags.Encrypt,
            Nonce = UInt128.MaxValue - 12345,
        };

        Assert.True(Handshake.TryRead(handshake.ToArray(), out var read, out var error), error);
        Assert.Equal(handshake, read);
    }

    [Theory]
    [InlineData(0, "bad magic")]
    [InlineData(4, "unsupported version")]
    [InlineData(5, "unknown handshake kind")]
    [InlineData(10, "unknown handshake flags")]
    [InlineData(11, "reserved")]
    [InlineData(45, "reserved")]
    public void Handshake_should_reject_a_corrupted_field_naming_it(int position, string reason)
    {
        var bytes = new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 8).ToArray();
        bytes[position] ^= 0x5A;

        Assert.False(Handshake.TryRead(bytes, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_should_reject_index_at_or_above_count()
    {
        var bytes = new Handshake(HandshakeKind.Join, Guid.NewGuid(), 3, 8).ToArray();
        bytes[7] = 8;

        Assert.False(Handshake.TryRead(bytes, out _, out var error));
        Assert.Contains("not below count", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_should_reject_open_on_a_substream_other_than_zero()
    {
        var bytes = new Handshake(HandshakeKind.Join, Guid.NewGuid(), 2, 8).ToArray();
        bytes[5] = (byte)HandshakeKind.Open;

        Assert.False(Handshake.TryRead(bytes, out _, out var error));
        Assert.Contains("OPEN on substream 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_should_report_truncation()
    {
        var bytes = new Handshake(HandshakeKind.Open, Guid.NewGuid(), 0, 8).ToArray();

        Assert.False(Handshake.TryRead(bytes.AsSpan(0, 20), out _, out var error));
        Assert.Contains("truncated at 20 of 48", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((byte)HandshakeStatus.Accepted)]
    [InlineData((byte)HandshakeStatus.TargetUnreachable)]
    [InlineData((byte)HandshakeStatus.Conflict)]
    public void Reply_should_round_trip(byte code)
    {
        var status = (HandshakeStatus)code;
        Assert.True(HandshakeReply.TryRead(HandshakeReply.Encode(status), out var read, out var error), error);
        Assert.Equal(status, read);
    }

    [Fact]
    public void Reply_should_say_the_peer_is_not_a_striper_server_on_garbage()
    {
        Assert.False(HandshakeReply.TryRead("HTTP/1.1"u8, out _, out var error));
        Assert.Contains("not a striper server", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reply_should_reject_an_unknown_status()
    {
        var bytes = HandshakeReply.Encode(HandshakeStatus.Accepted);
        bytes[6] = 200;

        Assert.False(HandshakeReply.TryRead(bytes, out _, out var error));
        Assert.Contains("status 200", error, StringComparison.Ordinal);
    }
}
