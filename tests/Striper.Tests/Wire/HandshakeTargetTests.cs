using Striper.Actors.Proxy;
using Striper.Actors.Wire;

namespace Striper.Tests.Wire;

public sealed class HandshakeTargetTests
{
    [Theory]
    [InlineData("files.example.org", 443)]
    [InlineData("203.0.113.7", 22)]
    [InlineData("2001:db8::1", 8080)]
    public void A_target_should_round_trip(string host, int port)
    {
        var block = HandshakeTarget.Encode(new HostPort(host, port));

        Assert.True(HandshakeTarget.TryReadLength(block, out var length, out var error), error);
        Assert.Equal(block.Length - HandshakeTarget.LengthSize, length);
        Assert.True(HandshakeTarget.TryParse(block.AsSpan(HandshakeTarget.LengthSize), out var target, out error), error);
        Assert.Equal(new HostPort(host, port), target);
    }

    [Theory]
    [InlineData(new byte[] { 0, 2 }, "target length 2 outside 3..263")]
    [InlineData(new byte[] { 1, 8 }, "target length 264 outside 3..263")]
    public void A_length_out_of_bounds_should_be_refused_before_anything_is_read(byte[] prefix, string reason)
    {
        Assert.False(HandshakeTarget.TryReadLength(prefix, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28, (byte)':', (byte)'1' }, "not UTF-8")]
    [InlineData(new byte[] { (byte)'a', 0x0A, (byte)':', (byte)'1' }, "control characters")]
    [InlineData(new byte[] { (byte)'h', (byte)'o', (byte)'s', (byte)'t' }, "bad target")]
    [InlineData(new byte[] { (byte)'h', (byte)':', (byte)'0' }, "bad target")]
    public void A_malformed_target_should_be_refused_naming_why(byte[] text, string reason)
    {
        Assert.False(HandshakeTarget.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_JOIN_naming_a_target_should_be_refused()
    {
        var bytes = new Handshake(HandshakeKind.Join, Guid.NewGuid(), 1, 4) { Flags = HandshakeFlags.Target }.ToArray();

        Assert.False(Handshake.TryRead(bytes, out _, out var error));
        Assert.Contains("a JOIN names a target", error, StringComparison.Ordinal);
    }
}
