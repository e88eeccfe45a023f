using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Settings;
using Striper.Actors.Striping;
using Striper.Actors.Wire;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Striping;

public sealed class ReassemblerTests : StriperTestKit
{
    private static readonly StriperSettings Settings = StriperSettings.Default with { CreditWindow = 1024 * 1024 };
    private readonly TestProbe _parent;
    private readonly TestProbe _edge;
    private readonly TestProbe _sub0;
    private readonly TestProbe _sub1;
    private readonly IActorRef _reassembler;
    private readonly ConnectionStats _stats = new(Guid.NewGuid(), "127.0.0.1:50000", "server:22222", 2, DateTimeOffset.UnixEpoch);

    public ReassemblerTests()
    {
        _parent = CreateTestProbe();
        _edge = CreateTestProbe();
        _sub0 = CreateTestProbe();
        _sub1 = CreateTestProbe();
        ActorOf(StepParent.Props(Reassembler.Props(Settings, BufferBudget.CreateUnlimited(), stats: _stats), _parent, "reassembler"), "parent");
        _reassembler = _parent.ExpectMsg<ChildIs>().Child;
        _reassembler.Tell(new EdgeAttached(_edge));
        _reassembler.Tell(new SubstreamAttached(0, 0, _sub0));
        _reassembler.Tell(new SubstreamAttached(1, 1, _sub1));
        Assert.Equal(Settings.CreditCeiling, _sub0.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);
        _sub1.ExpectMsg<TcpLegProtocol.WriteAck>();
    }

    [Fact]
    public void Reassembler_should_emit_in_order_when_chunks_arrive_reversed()
    {
        var first = TestData.Random(1000, 1);
        var second = TestData.Random(500, 2);

        _reassembler.Tell(new DataReceived(1, 1000, 7, BufferLease.CopyOf(second)));
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _reassembler.Tell(new DataReceived(0, 0, 8, BufferLease.CopyOf(first)));

        Assert.Equal(first, Written(_edge.ExpectMsg<TcpLegProtocol.WriteRaw>()));
        Assert.Equal(second, Written(_edge.ExpectMsg<TcpLegProtocol.WriteRaw>()));
    }

    [Fact]
    public void Reassembler_should_count_what_arrives_as_carried_before_it_can_be_written()
    {
        _reassembler.Tell(new DataReceived(1, 1000, 7, BufferLease.CopyOf(new byte[500])));
        _sub1.ExpectMsg<TcpLegProtocol.WriteAck>();
        Assert.Equal(500, _stats.Carried);
        Assert.Equal(0, _stats.BytesIn);

        _reassembler.Tell(new DataReceived(0, 0, 8, BufferLease.CopyOf(new byte[1000])));
        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>();
        _sub0.ExpectMsg<TcpLegProtocol.WriteAck>();
        Assert.Equal(1500, _stats.Carried);
    }

    [Fact]
    public void Reassembler_should_drop_duplicates_and_trim_overlaps_by_offset()
    {
        var bytes = TestData.Random(3000, 3);

        _reassembler.Tell(new DataReceived(0, 0, 1, BufferLease.CopyOf(bytes.AsSpan(0, 2000))));
        _reassembler.Tell(new DataReceived(1, 0, 1, BufferLease.CopyOf(bytes.AsSpan(0, 1000))));
        _reassembler.Tell(new DataReceived(1, 1500, 1, BufferLease.CopyOf(bytes.AsSpan(1500, 1500))));

        Assert.Equal(bytes[..2000], Written(_edge.ExpectMsg<TcpLegProtocol.WriteRaw>()));
        Assert.Equal(bytes[2000..], Written(_edge.ExpectMsg<TcpLegProtocol.WriteRaw>()));
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Reassembler_should_acknowledge_on_the_arrival_substream_echoing_the_stamp()
    {
        _reassembler.Tell(new DataReceived(1, 0, 4242, BufferLease.CopyOf(new byte[300])));

        var ack = _sub1.ExpectMsg<TcpLegProtocol.WriteAck>();
        Assert.Equal(300, ack.Received);
        Assert.Equal(4242, ack.StampEcho);
        Assert.Equal(300, ack.Ack.Delivered);
        _sub0.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Reassembler_should_echo_a_stamp_once_and_not_on_later_window_updates()
    {
        _reassembler.Tell(new DataReceived(1, 0, 4242, BufferLease.CopyOf(new byte[300])));
        Assert.Equal(4242, _sub1.ExpectMsg<TcpLegProtocol.WriteAck>().StampEcho);
        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease.Dispose();

        _reassembler.Tell(new TcpLegProtocol.Written(Settings.CreditCeiling / 2));

        var update = _sub1.FishForMessage<TcpLegProtocol.WriteAck>(a => a.Ack.CreditLimit > Settings.CreditCeiling);
        Assert.Equal(0, update.StampEcho);
    }

    [Fact]
    public void Reassembler_should_raise_credit_only_as_the_edge_writes()
    {
        _reassembler.Tell(new DataReceived(0, 0, 1, BufferLease.CopyOf(new byte[1000])));
        Assert.Equal(Settings.CreditCeiling, _sub0.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);

        _reassembler.Tell(new TcpLegProtocol.Written(Settings.CreditCeiling / 2));

        var update = _sub1.FishForMessage<TcpLegProtocol.WriteAck>(a => a.Ack.CreditLimit > Settings.CreditCeiling);
        Assert.Equal(Settings.CreditCeiling + (Settings.CreditCeiling / 2), update.Ack.CreditLimit);
    }

    [Fact]
    public void Reassembler_should_send_a_window_update_on_every_substream_not_only_one()
    {
        // The sender used all its credit and everything it sent has arrived and been acknowledged: it has nothing
        // in flight, so it cannot notice a silent substream, and only a window update gets it going again. If the
        // update travelled on one substream only and that one had silently stopped forwarding (the fault-injection
        // test's relay; the update went to the second substream attached), the direction hung for good.
        _reassembler.Tell(new DataReceived(0, 0, 1, BufferLease.CopyOf(new byte[1000])));
        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease.Dispose();
        _sub0.ExpectMsg<TcpLegProtocol.WriteAck>();

        _reassembler.Tell(new TcpLegProtocol.Written(Settings.CreditCeiling / 4));

        var expected = Settings.CreditCeiling + (Settings.CreditCeiling / 4);
        Assert.Equal(expected, _sub0.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);
        Assert.Equal(expected, _sub1.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);
    }

    [Fact]
    public void Reassembler_should_not_let_a_limit_announced_on_one_substream_hold_back_the_others()
    {
        // A fresh substream's first ACK carries the current limit. If that substream is silent towards the sender,
        // the limit never arrives; the others must still hear it once the window has moved a quarter on, even
        // though "a limit this high was announced" is already true somewhere.
        _reassembler.Tell(new TcpLegProtocol.Written(Settings.CreditCeiling / 8));
        var sub2 = CreateTestProbe();
        _reassembler.Tell(new SubstreamAttached(2, 2, sub2));
        Assert.Equal(Settings.CreditCeiling + (Settings.CreditCeiling / 8), sub2.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);

        _reassembler.Tell(new TcpLegProtocol.Written(Settings.CreditCeiling / 8));

        var expected = Settings.CreditCeiling + (Settings.CreditCeiling / 4);
        Assert.Equal(expected, _sub0.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);
        Assert.Equal(expected, _sub1.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit);
        sub2.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Reassembler_should_apply_fin_only_after_every_earlier_byte()
    {
        _reassembler.Tell(new FinReceived(0, 2000));
        _reassembler.Tell(new DataReceived(1, 1000, 1, BufferLease.CopyOf(new byte[1000])));
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        _reassembler.Tell(new DataReceived(0, 0, 1, BufferLease.CopyOf(new byte[1000])));

        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease.Dispose();
        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease.Dispose();
        _edge.ExpectMsg<TcpLegProtocol.Shutdown>();
        _parent.ExpectMsg<InboundComplete>();
        var finAck = _sub0.FishForMessage<TcpLegProtocol.WriteAck>(a => (a.Flags & FrameFlags.FinDelivered) != 0);
        Assert.Equal(2000, finAck.Ack.Delivered);
    }

    [Fact]
    public void Reassembler_should_report_data_beyond_the_credit_limit_as_misbehaviour()
    {
        _reassembler.Tell(new DataReceived(1, Settings.CreditCeiling - 10, 1, BufferLease.CopyOf(new byte[100])));

        var report = _parent.ExpectMsg<SubstreamMisbehaved>();
        Assert.Equal(1, report.Slot);
        Assert.Contains("beyond the credit limit", report.Reason, StringComparison.Ordinal);
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Reassembler_should_never_buffer_more_than_the_credit_window()
    {
        // Everything but the first byte arrives: the reorder buffer fills to the window and no further.
        var chunk = 64 * 1024;
        for (long offset = 1; offset + chunk <= Settings.CreditCeiling; offset += chunk)
        {
            _reassembler.Tell(new DataReceived(0, offset, 1, BufferLease.CopyOf(new byte[chunk])));
        }

        _reassembler.Tell(new DataReceived(0, Settings.CreditCeiling, 1, BufferLease.CopyOf(new byte[chunk])));

        Assert.Contains("beyond the credit limit", _parent.ExpectMsg<SubstreamMisbehaved>().Reason, StringComparison.Ordinal);
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private static byte[] Written(TcpLegProtocol.WriteRaw message)
    {
        using var lease = message.Lease;
        return lease.Span.ToArray();
    }
}
