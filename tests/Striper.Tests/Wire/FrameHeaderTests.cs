using Striper.Actors.Wire;

namespace Striper.Tests.Wire;

public sealed class FrameHeaderTests
{
    private const int MaxPayload = 64 * 1024;

    [Theory]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, 1, 0L, 123L)]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, MaxPayload, long.MaxValue - MaxPayload, -1L)]
    [InlineData((byte)FrameType.Ack, (byte)FrameFlags.FinDelivered, ProtocolConstants.AckPayloadSize, 99L, 7L)]
    [InlineData((byte)FrameType.Fin, (byte)FrameFlags.None, 0, 1L << 40, 0L)]
    [InlineData((byte)FrameType.Rst, (byte)FrameFlags.None, ProtocolConstants.RstPayloadSize, 0L, 0L)]
    public void Header_should_round_trip_every_valid_frame(byte type, byte flags, int length, long offset, long stamp)
    {
        var header = new FrameHeader((FrameType)type, (FrameFlags)flags, length, offset, stamp);
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        header.Write(bytes);

        var result = FrameHeader.TryRead(bytes, MaxPayload, out var read, out var error);

        Assert.Equal(FrameParseResult.Complete, result);
        Assert.Null(error);
        Assert.Equal(header, read);
    }

    [Fact]
    public void Header_should_need_more_bytes_when_truncated()
    {
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader(FrameType.Data, FrameFlags.None, 10, 0, 0).Write(bytes);

        Assert.Equal(FrameParseResult.NeedMore, FrameHeader.TryRead(bytes.AsSpan(0, 23), MaxPayload, out _, out _));
    }

    [Theory]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, 0, 0L, "DATA length 0")]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, MaxPayload + 1, 0L, "DATA length 65537")]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, -5, 0L, "DATA length -5")]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.FinDelivered, 10, 0L, "unknown DATA flags")]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, 10, -1L, "negative offset")]
    [InlineData((byte)FrameType.Data, (byte)FrameFlags.None, 10, long.MaxValue - 5, "overflows")]
    [InlineData((byte)FrameType.Ack, (byte)FrameFlags.None, 15, 0L, "ACK length 15")]
    [InlineData((byte)FrameType.Ack, (byte)0x80, 16, 0L, "unknown ACK flags")]
    [InlineData((byte)FrameType.Fin, (byte)FrameFlags.None, 3, 0L, "FIN with flags or payload")]
    [InlineData((byte)FrameType.Rst, (byte)FrameFlags.None, 0, 0L, "RST")]
    [InlineData((byte)9, (byte)FrameFlags.None, 0, 0L, "unknown frame type 9")]
    [InlineData((byte)0, (byte)FrameFlags.None, 0, 0L, "unknown frame type 0")]
    public void Header_should_reject_malformed_frames_with_a_reason(byte type, byte flags, int length, long offset, string reason)
    {
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader((FrameType)type, (FrameFlags)flags, length, offset, 0).Write(bytes);

        var result = FrameHeader.TryRead(bytes, MaxPayload, out _, out var error);

        Assert.Equal(FrameParseResult.Malformed, result);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_should_reject_reserved_bits()
    {
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader(FrameType.Fin, FrameFlags.None, 0, 0, 0).Write(bytes);
        bytes[3] = 1;

        Assert.Equal(FrameParseResult.Malformed, FrameHeader.TryRead(bytes, MaxPayload, out _, out var error));
        Assert.Contains("reserved", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_should_never_throw_on_random_bytes()
    {
        var random = new Random(1234);
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        for (var i = 0; i < 100_000; i++)
        {
            random.NextBytes(bytes);
            var result = FrameHeader.TryRead(bytes, MaxPayload, out var header, out var error);
            if (result == FrameParseResult.Complete)
            {
                Assert.InRange(header.Length, 0, MaxPayload);
                Assert.True(header.Offset >= 0);
            }
            else
            {
                Assert.NotNull(error);
            }
        }
    }
}
