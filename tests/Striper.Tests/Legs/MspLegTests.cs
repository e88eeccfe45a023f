using System.Security.Cryptography;
using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Msp;
using Striper.Actors.Striping;
using Striper.Actors.Wire;
using Striper.Tests.Msp;
using Striper.Tests.Striping;
using Striper.Tests.Support;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Tests.Legs;

/// <summary>
/// Substream frames carried by MSP legs over a lossy in-process link: what one leg is told to write, the other's
/// frame parser delivers, byte for byte, in order, whatever the link does.
/// </summary>
public sealed class MspLegTests : StriperTestKit
{
    private const int MessageSize = 1200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly MspSettings Settings = MspSettings.Default with
    {
        MinRto = TimeSpan.FromMilliseconds(30),
        InitialRto = TimeSpan.FromMilliseconds(200),
    };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void Frames_written_to_one_leg_should_arrive_intact_at_the_other(double loss)
    {
        var (a, b) = StartLegs(new LossyLinkOptions { Loss = loss, Reordering = loss / 2, Duplication = loss / 4, Corruption = loss / 4 });
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 77);
        var offset = 0;
        var pieces = 0;
        while (offset < data.Length)
        {
            // Pieces of uneven sizes, some larger than one MSP message, some smaller.
            var size = Math.Min(data.Length - offset, 1000 + (pieces * 37_003 % 300_000));
            a.Leg.Tell(new WriteData(offset, pieces, BufferLease.CopyOf(data.AsSpan(offset, size))));
            offset += size;
            pieces++;
        }

        a.Leg.Tell(new WriteAck(123, 456, FrameFlags.FinDelivered, new AckPayload(789, 1011)));
        a.Leg.Tell(new WriteFin(data.Length));

        var received = new byte[data.Length];
        var next = 0L;
        for (var i = 0; i < pieces; i++)
        {
            var frame = b.Reassembler.ExpectMsg<StriperProtocol.DataReceived>(Timeout);
            Assert.Equal(next, frame.Offset);
            Assert.Equal(i, frame.Stamp);
            frame.Lease.Span.CopyTo(received.AsSpan((int)frame.Offset));
            next += frame.Lease.Length;
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        var ack = b.Striper.ExpectMsg<StriperProtocol.AckReceived>(Timeout);
        Assert.Equal((123L, 456L, FrameFlags.FinDelivered, 789L, 1011L), (ack.Received, ack.StampEcho, ack.Flags, ack.Ack.Delivered, ack.Ack.CreditLimit));
        Assert.Equal(data.Length, b.Reassembler.ExpectMsg<StriperProtocol.FinReceived>(Timeout).FinalOffset);
    }

    [Fact]
    public void Shutdown_on_both_sides_should_end_both_legs_cleanly()
    {
        var (a, b) = StartLegs(new LossyLinkOptions());
        Watch(a.Leg);
        Watch(b.Leg);

        a.Leg.Tell(TcpLegProtocol.Shutdown.Instance);
        Assert.Null(a.Parent.ExpectMsg<OutputEnded>(Timeout).Error);
        var ended = b.Striper.ExpectMsg<StriperProtocol.SubstreamEnded>(Timeout);
        Assert.Null(ended.Reason);

        b.Leg.Tell(TcpLegProtocol.Shutdown.Instance);
        Assert.Null(b.Parent.ExpectMsg<OutputEnded>(Timeout).Error);
        var stopped = new[] { ExpectMsg<Terminated>(Timeout).ActorRef, ExpectMsg<Terminated>(Timeout).ActorRef };
        Assert.Contains(a.Leg, stopped);
        Assert.Contains(b.Leg, stopped);
    }

    [Fact]
    public void Garbage_instead_of_frames_should_be_reported_as_a_violation_and_end_the_stream()
    {
        var (a, b) = StartLegs(new LossyLinkOptions());

        // A frame through the legs first: once it arrives, leg b owns its stream, so the garbage cannot reach the
        // stream's first owner instead (a leg takes its stream over in PreStart, which may run after this test goes on).
        a.Leg.Tell(new WriteAck(1, 2, FrameFlags.None, new AckPayload(3, 4)));
        b.Striper.ExpectMsg<StriperProtocol.AckReceived>(Timeout);

        // A frame header announcing a payload far beyond the limit: the parser must refuse it before buffering it.
        var header = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader(FrameType.Data, FrameFlags.None, 64 * 1024 * 1024, 0, 0).Write(header);
        a.Stream.Tell(new MspProtocol.Send(header));

        var violation = b.Parent.ExpectMsg<Violation>(Timeout);
        Assert.Contains("DATA length", violation.Reason, StringComparison.Ordinal);
        Assert.NotNull(b.Striper.ExpectMsg<StriperProtocol.SubstreamEnded>(Timeout).Reason);
    }

    private (Side A, Side B) StartLegs(LossyLinkOptions link)
    {
        var ownerA = ActorOf(ForwardingOwner.Props());
        var ownerB = ActorOf(ForwardingOwner.Props());
        var pair = StreamPair.Create(Sys, ownerA, ownerB, Settings, link, seed: 5);
        var a = StartLeg(pair.A, "a");
        var b = StartLeg(pair.B, "b");
        ownerA.Tell(new ForwardingOwner.ForwardTo(a.Leg));
        ownerB.Tell(new ForwardingOwner.ForwardTo(b.Leg));
        return (a, b);
    }

    private Side StartLeg(IActorRef stream, string name)
    {
        var side = new Side(CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), stream);
        var inbound = new SubstreamInbound(0, side.Striper, side.Reassembler, side.Parent, 1024 * 1024);
        ActorOf(StepParent.Props(MspLeg.Props(stream, inbound, MessageSize), side.Parent, "leg-" + name));
        side.Leg = side.Parent.ExpectMsg<ChildIs>().Child;
        return side;
    }

    private sealed record Side(TestProbe Parent, TestProbe Striper, TestProbe Reassembler, IActorRef Stream)
    {
        public IActorRef Leg { get; set; } = null!;
    }
}
