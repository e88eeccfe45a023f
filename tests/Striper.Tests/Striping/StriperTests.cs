using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Striping;

public sealed class StriperTests : StriperHarness
{
    // A long target delay makes each substream's cap the configured ceiling, whatever rate the tests' clock suggests.
    private static readonly StriperSettings Settings = StriperSettings.Default with
    {
        SubstreamInFlightLimit = 256 * 1024,
        TargetDelay = TimeSpan.FromHours(1),
    };


    public StriperTests()
        : base(Settings, firstSlot: 0)
    {
    }

    [Fact]
    public void Striper_should_let_the_edge_read_only_what_the_far_side_credits_and_eight_chunks_past_what_it_read()
    {
        const int readAhead = 8 * 256 * 1024;
        Edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        StriperRef.Tell(Ack(0, received: 0, credit: 500_000));
        Assert.Equal(500_000, Edge.ExpectMsg<TcpLegProtocol.GrantRead>().Bytes);

        // More credit, but nothing read yet: only up to the read-ahead.
        StriperRef.Tell(Ack(1, received: 0, credit: 3_000_000));
        Assert.Equal(readAhead - 500_000, Edge.ExpectMsg<TcpLegProtocol.GrantRead>().Bytes);

        // Reading moves the read-ahead on, as far as the credit goes, once half of it has been read.
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[500_000])));
        Edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[700_000])));
        Assert.Equal(3_000_000 - readAhead, Edge.ExpectMsg<TcpLegProtocol.GrantRead>().Bytes);

        StriperRef.Tell(Ack(0, received: 0, credit: 2_000_000));
        Edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Striper_should_spread_chunks_over_the_least_loaded_substreams_with_consecutive_offsets()
    {
        StriperRef.Tell(Ack(0, 0, 10_000_000));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[2000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[500])));

        var first = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        var second = Sub1.ExpectMsg<TcpLegProtocol.WriteData>();
        var third = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal((0L, 1000L, 3000L), (first.Offset, second.Offset, third.Offset));
    }

    [Fact]
    public void Striper_should_give_a_substream_at_its_in_flight_limit_nothing_more()
    {
        var chunk = 64 * 1024;
        StriperRef.Tell(Ack(0, 0, 100_000_000));
        StriperRef.Tell(new SubstreamEnded(1, "test: only one substream"));
        Parent.ExpectMsg<SubstreamDown>();

        // One acknowledged piece 100 ms later gives the substream a rate, so it takes whole chunks up to the limit.
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[16 * 1024])));
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Clock.Advance(TimeSpan.FromMilliseconds(100));
        StriperRef.Tell(Ack(0, received: 16 * 1024, credit: 100_000_000));
        for (var i = 0; i < 5; i++)
        {
            StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[chunk])));
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(chunk, Sub0.ExpectMsg<TcpLegProtocol.WriteData>().Lease.Length);
        }

        Sub0.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        StriperRef.Tell(Ack(0, received: (16 * 1024) + chunk, credit: 100_000_000));
        Assert.Equal((16L * 1024) + (4L * chunk), Sub0.ExpectMsg<TcpLegProtocol.WriteData>().Offset);
    }

    [Fact]
    public void Striper_should_resend_a_lost_substreams_unacknowledged_chunks_on_the_others()
    {
        StriperRef.Tell(Ack(0, 0, 10_000_000));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(TestData.Random(1000, 1))));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(TestData.Random(1000, 2))));
        var onZero = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        var onOne = Sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        StriperRef.Tell(new SubstreamEnded(1, "connection reset by peer"));

        var resent = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(onOne.Offset, resent.Offset);
        Assert.Equal(TestData.Random(1000, 2), resent.Lease.Span.ToArray());
        Assert.Equal(1, Parent.ExpectMsg<SubstreamDown>().Remaining);
        Assert.Equal(0, onZero.Offset);
    }

    [Fact]
    public void Striper_should_send_fin_after_all_data_and_report_when_it_is_delivered()
    {
        StriperRef.Tell(Ack(0, 0, 10_000_000));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[700])));
        StriperRef.Tell(new EdgeEnded(null));

        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(700, Sub1.ExpectMsg<TcpLegProtocol.WriteFin>().FinalOffset);
        Parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        StriperRef.Tell(new AckReceived(0, 700, 0, FrameFlags.FinDelivered, new AckPayload(700, 10_000_700)));
        Parent.ExpectMsg<OutboundFinished>();
    }

    [Fact]
    public void Striper_should_report_an_edge_reset_as_session_failure()
    {
        StriperRef.Tell(new EdgeEnded(new System.Net.Sockets.SocketException(104)));

        Assert.Equal(Striper.Actors.Legs.SessionAbortReason.EdgeReset, Parent.ExpectMsg<SessionFailed>().Reason);
    }

    [Fact]
    public void A_retired_substream_should_get_nothing_new_and_be_closed_once_what_it_carries_is_acknowledged()
    {
        StriperRef.Tell(Ack(0, 0, 100_000_000));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[2000])));
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        var onOne = Sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        StriperRef.Tell(new RetireSubstream(1));

        // New data goes to substream 0 only; substream 1 is closed only once its 2000 bytes are acknowledged.
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[500])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[500])));
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Sub1.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        StriperRef.Tell(Ack(1, received: onOne.Lease.Length, credit: 100_000_000));
        var retired = Parent.ExpectMsg<SubstreamRetired>();
        Assert.Equal((1, 1), (retired.Slot, retired.Index));

        // Its end later is no loss: nothing is resent and the session hears nothing more.
        StriperRef.Tell(new SubstreamEnded(1, null));
        Parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Sub0.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Striper_should_count_what_the_substreams_carried_before_the_far_side_delivers_it()
    {
        StriperRef.Tell(Ack(0, 0, 10_000_000));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[2000])));
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        // The far side received the second piece but waits for the first: carried, not delivered.
        StriperRef.Tell(Ack(1, received: 2000, credit: 10_000_000));
        AwaitAssert(() => Assert.Equal(2000, Stats.Carried));
        Assert.Equal(0, Stats.OutDelivered);

        // A repeated acknowledgement adds nothing; the first piece's adds its own bytes once.
        StriperRef.Tell(Ack(1, received: 2000, credit: 10_000_000));
        StriperRef.Tell(new AckReceived(0, 1000, 0, FrameFlags.None, new AckPayload(3000, 10_000_000)));
        AwaitAssert(() => Assert.Equal(3000, Stats.OutDelivered));
        Assert.Equal(3000, Stats.Carried);
    }

    private static AckReceived Ack(int index, long received, long credit) =>
        new(index, received, 0, FrameFlags.None, new AckPayload(0, credit));
}
