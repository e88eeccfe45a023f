using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;
using Striper.Tests.TestKit;
using static Striper.Actors.Striping.StriperProtocol;
using StriperActor = Striper.Actors.Striping.Striper;

namespace Striper.Tests.Striping;

public sealed class StriperTests : TestKitBase
{
    // A long target delay makes each substream's cap the configured ceiling, whatever rate the tests' clock suggests.
    private static readonly StriperSettings Settings = StriperSettings.Default with
    {
        SubstreamInFlightLimit = 256 * 1024,
        TargetDelay = TimeSpan.FromHours(1),
    };
    private readonly TestProbe _parent;
    private readonly TestProbe _edge;
    private readonly TestProbe _sub0;
    private readonly TestProbe _sub1;
    private readonly IActorRef _striper;

    private readonly ManualTimeProvider _clock;

    public StriperTests()
        : this(new ManualTimeProvider())
    {
    }

    private StriperTests(ManualTimeProvider clock)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        _clock = clock;
        _parent = CreateTestProbe();
        _edge = CreateTestProbe();
        _sub0 = CreateTestProbe();
        _sub1 = CreateTestProbe();
        ActorOf(StepParent.Props(StriperActor.Props(Settings, new ProxyMetrics()), _parent, "striper"), "parent");
        _striper = _parent.ExpectMsg<ChildIs>().Child;
        _striper.Tell(new EdgeAttached(_edge));
        _striper.Tell(new SubstreamAttached(0, 0, _sub0));
        _striper.Tell(new SubstreamAttached(1, 1, _sub1));
    }

    [Fact]
    public void Striper_should_let_the_edge_read_only_what_the_far_side_credits()
    {
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        _striper.Tell(Ack(0, received: 0, credit: 1_000_000));
        Assert.Equal(1_000_000, _edge.ExpectMsg<TcpLegProtocol.GrantRead>().Bytes);

        _striper.Tell(Ack(1, received: 0, credit: 1_500_000));
        Assert.Equal(500_000, _edge.ExpectMsg<TcpLegProtocol.GrantRead>().Bytes);

        _striper.Tell(Ack(0, received: 0, credit: 1_200_000));
        _edge.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Striper_should_spread_chunks_over_the_least_loaded_substreams_with_consecutive_offsets()
    {
        _striper.Tell(Ack(0, 0, 10_000_000));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[2000])));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[500])));

        var first = _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        var second = _sub1.ExpectMsg<TcpLegProtocol.WriteData>();
        var third = _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal((0L, 1000L, 3000L), (first.Offset, second.Offset, third.Offset));
    }

    [Fact]
    public void Striper_should_give_a_substream_at_its_in_flight_limit_nothing_more()
    {
        var chunk = 64 * 1024;
        _striper.Tell(Ack(0, 0, 100_000_000));
        _striper.Tell(new SubstreamEnded(1, "test: only one substream"));
        _parent.ExpectMsg<SubstreamDown>();

        // One acknowledged piece 100 ms later gives the substream a rate, so it takes whole chunks up to the limit.
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[16 * 1024])));
        _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        _striper.Tell(Ack(0, received: 16 * 1024, credit: 100_000_000));
        for (var i = 0; i < 5; i++)
        {
            _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[chunk])));
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(chunk, _sub0.ExpectMsg<TcpLegProtocol.WriteData>().Lease.Length);
        }

        _sub0.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        _striper.Tell(Ack(0, received: (16 * 1024) + chunk, credit: 100_000_000));
        Assert.Equal((16L * 1024) + (4L * chunk), _sub0.ExpectMsg<TcpLegProtocol.WriteData>().Offset);
    }

    [Fact]
    public void Striper_should_resend_a_lost_substreams_unacknowledged_chunks_on_the_others()
    {
        _striper.Tell(Ack(0, 0, 10_000_000));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(TestData.Random(1000, 1))));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(TestData.Random(1000, 2))));
        var onZero = _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        var onOne = _sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        _striper.Tell(new SubstreamEnded(1, "connection reset by peer"));

        var resent = _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(onOne.Offset, resent.Offset);
        Assert.Equal(TestData.Random(1000, 2), resent.Lease.Span.ToArray());
        Assert.Equal(1, _parent.ExpectMsg<SubstreamDown>().Remaining);
        Assert.Equal(0, onZero.Offset);
    }

    [Fact]
    public void Striper_should_send_fin_after_all_data_and_report_when_it_is_delivered()
    {
        _striper.Tell(Ack(0, 0, 10_000_000));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[700])));
        _striper.Tell(new EdgeEnded(null));

        _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Assert.Equal(700, _sub1.ExpectMsg<TcpLegProtocol.WriteFin>().FinalOffset);
        _parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        _striper.Tell(new AckReceived(0, 700, 0, FrameFlags.FinDelivered, new AckPayload(700, 10_000_700)));
        _parent.ExpectMsg<OutboundFinished>();
    }

    [Fact]
    public void Striper_should_report_an_edge_reset_as_session_failure()
    {
        _striper.Tell(new EdgeEnded(new System.Net.Sockets.SocketException(104)));

        Assert.Equal(Striper.Actors.Legs.SessionAbortReason.EdgeReset, _parent.ExpectMsg<SessionFailed>().Reason);
    }

    private static AckReceived Ack(int index, long received, long credit) =>
        new(index, received, 0, FrameFlags.None, new AckPayload(0, credit));
}
