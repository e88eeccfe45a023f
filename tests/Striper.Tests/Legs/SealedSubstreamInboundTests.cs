using System.Buffers;
using System.Security.Cryptography;
using Akka.TestKit;
using Striper.Actors.Legs;
using Striper.Actors.Security;
using Striper.Actors.Striping;
using Striper.Actors.Wire;
using Striper.Tests.Support;

namespace Striper.Tests.Legs;

/// <summary>An encrypted substream's inbound side delivers what was sealed and never a frame that fails authentication.</summary>
public sealed class SealedSubstreamInboundTests : StriperTestKit
{
    private static readonly SharedSecret Secret = SharedSecret.CreateRandom();
    private readonly Guid _session = Guid.NewGuid();
    private readonly byte[] _serverNonce = RandomNumberGenerator.GetBytes(16);
    private readonly TestProbe _striper;
    private readonly TestProbe _reassembler;
    private readonly TestProbe _sessionProbe;
    private readonly SubstreamCipher _sender;
    private readonly SubstreamInbound _inbound;

    public SealedSubstreamInboundTests()
    {
        _striper = CreateTestProbe();
        _reassembler = CreateTestProbe();
        _sessionProbe = CreateTestProbe();
        _sender = SubstreamCipher.Derive(Secret, _session, 2, 99, _serverNonce, isServer: false);
        var receiver = SubstreamCipher.Derive(Secret, _session, 2, 99, _serverNonce, isServer: true);
        _inbound = new SubstreamInbound(5, _striper, _reassembler, _sessionProbe, 1 << 20, receiver.Opener);
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(1000)]
    [InlineData(7)]
    public void Sealed_frames_should_be_delivered_whole_however_the_bytes_arrived(int pieceSize)
    {
        var payload = TestData.Random(70_000, seed: 3);
        var wire = Frame(new FrameHeader(FrameType.Data, FrameFlags.None, payload.Length, 4096, 11), payload)
            .Concat(Frame(new FrameHeader(FrameType.Ack, FrameFlags.None, ProtocolConstants.AckPayloadSize, 10, 12), new byte[ProtocolConstants.AckPayloadSize])).ToArray();
        var buffer = ChunkedSequence.Split(wire, pieceSize);

        Assert.Null(_inbound.Process(ref buffer));

        Assert.True(buffer.IsEmpty);
        var data = _reassembler.ExpectMsg<StriperProtocol.DataReceived>();
        Assert.Equal(4096, data.Offset);
        Assert.Equal(payload, data.Lease.Span.ToArray());
        data.Lease.Dispose();
        Assert.Equal(10, _striper.ExpectMsg<StriperProtocol.AckReceived>().Received);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(30)]
    [InlineData(-1)]
    public void A_frame_that_fails_authentication_should_close_the_substream_and_deliver_nothing(int flipAt) // stamp, payload, tag
    {
        var payload = TestData.Random(1000, seed: 4);
        var wire = Frame(new FrameHeader(FrameType.Data, FrameFlags.None, payload.Length, 0, 1), payload);
        wire[flipAt < 0 ? wire.Length + flipAt : flipAt] ^= 0x40;
        var buffer = new ReadOnlySequence<byte>(wire);

        var violation = _inbound.Process(ref buffer);

        Assert.Contains("failed authentication", violation, StringComparison.Ordinal);
        _reassembler.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_plaintext_frame_on_a_sealed_substream_should_be_refused()
    {
        var payload = TestData.Random(100, seed: 5);
        var wire = new byte[ProtocolConstants.FrameHeaderSize + payload.Length + ProtocolConstants.FrameTagSize];
        new FrameHeader(FrameType.Data, FrameFlags.None, payload.Length, 0, 1).Write(wire);
        payload.CopyTo(wire, ProtocolConstants.FrameHeaderSize);
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.Contains("failed authentication", _inbound.Process(ref buffer), StringComparison.Ordinal);
        _reassembler.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private byte[] Frame(FrameHeader header, byte[] payload)
    {
        var frame = new byte[ProtocolConstants.FrameHeaderSize + payload.Length + ProtocolConstants.FrameTagSize];
        header.Write(frame);
        var span = frame.AsSpan();
        _sender.Sealer.Seal(
            span[..ProtocolConstants.FrameHeaderSize],
            payload,
            span.Slice(ProtocolConstants.FrameHeaderSize, payload.Length),
            span[(ProtocolConstants.FrameHeaderSize + payload.Length)..]);
        return frame;
    }
}
