using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Striping;

/// <summary>The Striper, held back by credit or at the stream's end, copies the chunk the far side waits for once it is late on its substream.</summary>
public sealed class HeadOfLineRescueTests : StriperHarness
{
    public HeadOfLineRescueTests()
        : base(StriperSettings.Default, firstSlot: 10)
    {
        // Credit for exactly two pieces of 1000 bytes: once both are out, the connection can only wait for the far side.
        StriperRef.Tell(Ack(10, 0, delivered: 0));
    }

    [Fact]
    public void Striper_should_copy_the_chunk_the_far_side_waits_for_onto_another_substream_once_it_is_late()
    {
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        var late = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(0, late.Offset);
        Sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        // Substream 1 delivered its piece; the far side still waits for offset 0, which substream 0 holds.
        StriperRef.Tell(Ack(11, 1000, delivered: 0));
        Sub1.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Clock.Advance(TimeSpan.FromMilliseconds(50));

        var copy = Sub1.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(0, copy.Offset);
        Assert.Equal(1000, copy.Lease.Length);

        // Once per offset: the copy may be slow too, but the rest of substream 1's room is not spent on more copies.
        Clock.Advance(TimeSpan.FromMilliseconds(500));
        Sub1.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Striper_should_copy_a_late_chunk_once_the_application_has_finished_even_with_credit_to_spare()
    {
        // Plenty of credit, but nothing more to read: the transfer's tail waits on the late chunk alone.
        StriperRef.Tell(Ack(10, 0, delivered: 0, credit: 1 << 20));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeEnded(null));
        Assert.Equal(0, Sub0.ExpectMsg<TcpLegProtocol.WriteData>().Offset);
        Assert.Equal(1000, Sub1.ExpectMsg<TcpLegProtocol.WriteData>().Offset);

        StriperRef.Tell(Ack(11, 1000, delivered: 0, credit: 1 << 20));
        Clock.Advance(TimeSpan.FromMilliseconds(50));

        var copy = Sub1.FishForMessage<TcpLegProtocol.WriteData>(_ => true, TimeSpan.FromSeconds(3));
        Assert.Equal(0, copy.Offset);
        Assert.Equal(1000, copy.Lease.Length);
    }

    private AckReceived Ack(int slot, long received, long delivered, long credit = 2000) =>
        new(slot, received, Clock.Now.UtcTicks, FrameFlags.None, new AckPayload(delivered, credit));
}
