using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Wire;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for the substream frame decoders: <see cref="FrameHeader"/>, <see cref="AckPayload"/> and the
/// frame parser of a substream leg, fed arbitrary bytes split at arbitrary points.
/// </summary>
public sealed class WireProperties
{
    private static readonly Gen<int> MaxPayload = Gen.Elements(64, 1000, 16 * 1024);

    [Fact]
    public void Every_valid_header_should_read_back_as_written()
    {
        var frames = from max in MaxPayload from frame in WireGen.ValidFrame(max) select (max, frame);

        FuzzRun.Check(Prop.ForAll(frames.ToArbitrary(), t =>
        {
            var bytes = new byte[ProtocolConstants.FrameHeaderSize];
            var header = new FrameHeader(t.frame.Type, t.frame.Flags, t.frame.Payload.Length, t.frame.Offset, t.frame.Stamp);
            header.Write(bytes);

            Assert.Equal(FrameParseResult.Complete, FrameHeader.TryRead(bytes, t.max, out var read, out var error));
            Assert.Null(error);
            Assert.Equal(header, read);
        }), ciBudget: 500, salt: 1);
    }

    [Fact]
    public void Any_header_bytes_should_be_accepted_only_when_every_rule_holds()
    {
        var headers = from max in MaxPayload
                      from bytes in Gen.OneOf(WireGen.CorruptHeader(max), WireGen.Bytes(30))
                      select (max, bytes);

        FuzzRun.Check(Prop.ForAll(headers.ToArbitrary(), t =>
        {
            var result = FrameHeader.TryRead(t.bytes, t.max, out var header, out var error);

            switch (result)
            {
                case FrameParseResult.NeedMore:
                    Assert.True(t.bytes.Length < ProtocolConstants.FrameHeaderSize);
                    break;
                case FrameParseResult.Malformed:
                    Assert.False(string.IsNullOrWhiteSpace(error));
                    Assert.DoesNotContain('\n', error);
                    break;
                default:
                    Assert.Null(error);
                    AssertObeysTheRules(header, t.max);
                    var again = new byte[ProtocolConstants.FrameHeaderSize];
                    header.Write(again);
                    Assert.Equal(t.bytes.AsSpan(0, ProtocolConstants.FrameHeaderSize).ToArray(), again);
                    break;
            }
        }), ciBudget: 2000, salt: 2);
    }

    [Fact]
    public void Ack_payload_should_round_trip_any_values()
    {
        FuzzRun.Check(Prop.ForAll(Gen.Zip(WireGen.Long, WireGen.Long).ToArbitrary(), t =>
        {
            var ack = new AckPayload(t.Item1, t.Item2);
            var bytes = new byte[ProtocolConstants.AckPayloadSize];
            ack.Write(bytes);

            Assert.Equal(ack, AckPayload.Read(bytes));
        }), ciBudget: 500, salt: 3);
    }

    [Fact]
    public void A_valid_frame_stream_split_anywhere_should_deliver_exactly_its_frames()
    {
        var streams = from max in MaxPayload
                      from frames in WireGen.ValidFrames(max)
                      let bytes = WireFrame.Encode(frames)
                      from cuts in WireGen.Cuts(bytes.Length)
                      select (max, frames, bytes, cuts);

        FuzzRun.Check(Prop.ForAll(streams.ToArbitrary(), t =>
        {
            var result = FrameFeeder.Feed(t.bytes, t.cuts, t.max);

            Assert.Null(result.Error);
            Assert.Equal(0, result.Leftover);
            Assert.Null(result.EndReason);
            Assert.Equal(t.frames.Select(f => f.Describe()), result.Frames.Select(f => f.Describe()));
            AssertBounded(result, t.max);
        }), ciBudget: 300, salt: 4);
    }

    [Fact]
    public void Hostile_bytes_split_anywhere_should_yield_frames_or_one_clear_error_and_stay_bounded()
    {
        var streams = from max in MaxPayload
                      from bytes in WireGen.HostileStream(max)
                      from cuts in WireGen.Cuts(bytes.Length)
                      select (max, bytes, cuts);

        FuzzRun.Check(Prop.ForAll(streams.ToArbitrary(), t =>
        {
            var result = FrameFeeder.Feed(t.bytes, t.cuts, t.max);

            AssertFeedSane(result, t.max, t.bytes.Length);
        }), ciBudget: 1000, salt: 5);
    }

    [Fact]
    public void A_header_claiming_a_huge_payload_should_allocate_nothing_while_waiting()
    {
        // The limit check runs before any allocation: a peer cannot make the leg reserve what it only promises.
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader(FrameType.Data, FrameFlags.None, 1 << 20, 0, 0).Write(bytes);

        var refused = FrameFeeder.Feed(bytes, [], maxPayload: 64 * 1024);
        var waiting = FrameFeeder.Feed([.. bytes, .. new byte[1000]], [ProtocolConstants.FrameHeaderSize], maxPayload: 1 << 20);

        Assert.Equal("DATA length 1048576 outside 1..65536", refused.Error);
        Assert.Null(waiting.Error);
        Assert.Empty(waiting.Frames);
        Assert.InRange(waiting.MaxExcessAllocation, long.MinValue, FrameFeeder.OverheadPerCall);
        Assert.Equal("connection closed inside a frame (1024 bytes pending)", waiting.EndReason);
    }

    /// <summary>The invariants every feed must keep, whatever the bytes were.</summary>
    internal static void AssertFeedSane(FeedResult result, int maxPayload, int inputLength)
    {
        if (result.Error is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(result.Error));
            Assert.DoesNotContain('\n', result.Error);
        }
        else if (result.Leftover > 0)
        {
            Assert.StartsWith("connection closed inside a frame", result.EndReason, StringComparison.Ordinal);
        }

        Assert.InRange(result.Frames.Sum(f => (long)f.EncodedLength) + result.Leftover, 0, inputLength);
        foreach (var frame in result.Frames)
        {
            AssertObeysTheRules(new FrameHeader(frame.Type, frame.Flags, frame.Payload.Length, frame.Offset, frame.Stamp), maxPayload);
        }

        AssertBounded(result, maxPayload);
    }

    private static void AssertBounded(FeedResult result, int maxPayload)
    {
        // What waits in the pipe is at most one incomplete frame; what the decoder allocates beyond delivered payloads is small.
        Assert.InRange(result.MaxLeftover, 0, ProtocolConstants.FrameHeaderSize + maxPayload - 1);
        Assert.InRange(result.MaxExcessAllocation, long.MinValue, FrameFeeder.OverheadPerCall);
    }

    private static void AssertObeysTheRules(FrameHeader header, int maxPayload)
    {
        Assert.True(header.Offset >= 0, $"negative offset in {header}");
        switch (header.Type)
        {
            case FrameType.Data:
                Assert.Equal(FrameFlags.None, header.Flags);
                Assert.InRange(header.Length, 1, maxPayload);
                Assert.True(header.Offset <= long.MaxValue - header.Length);
                break;
            case FrameType.Ack:
                Assert.Equal(FrameFlags.None, header.Flags & ~FrameFlags.FinDelivered);
                Assert.Equal(ProtocolConstants.AckPayloadSize, header.Length);
                break;
            case FrameType.Fin:
                Assert.Equal(FrameFlags.None, header.Flags);
                Assert.Equal(0, header.Length);
                break;
            case FrameType.Rst:
                Assert.Equal(FrameFlags.None, header.Flags);
                Assert.Equal(ProtocolConstants.RstPayloadSize, header.Length);
                break;
            default:
                Assert.Fail($"unknown frame type accepted: {header}");
                break;
        }
    }
}
