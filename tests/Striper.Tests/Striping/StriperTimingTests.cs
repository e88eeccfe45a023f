using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.TestKit;
using static Striper.Actors.Striping.StriperProtocol;
using StriperActor = Striper.Actors.Striping.Striper;

namespace Striper.Tests.Striping;

/// <summary>The Striper's time-driven behaviour, on a manual clock: stalls and rate-proportional scheduling.</summary>
public sealed class StriperTimingTests : TestKitBase
{
    private const int Chunk = 64 * 1024;
    private readonly ManualTimeProvider _clock;
    private readonly TestProbe _parent;
    private readonly TestProbe _sub0;
    private readonly TestProbe _sub1;
    private readonly IActorRef _striper;

    public StriperTimingTests()
        : this(new ManualTimeProvider())
    {
    }

    private StriperTimingTests(ManualTimeProvider clock)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        _clock = clock;
        _parent = CreateTestProbe();
        _sub0 = CreateTestProbe();
        _sub1 = CreateTestProbe();
        var settings = StriperSettings.Default with { StallTimeout = TimeSpan.FromSeconds(2), SubstreamInFlightLimit = 1024 * 1024 };
        ActorOf(StepParent.Props(StriperActor.Props(settings, new ProxyMetrics()), _parent, "striper"), "parent");
        _striper = _parent.ExpectMsg<ChildIs>().Child;
        _striper.Tell(new EdgeAttached(CreateTestProbe()));
        _striper.Tell(new SubstreamAttached(10, 0, _sub0));
        _striper.Tell(new SubstreamAttached(11, 1, _sub1));
        _striper.Tell(Ack(10, 0));
    }

    [Fact]
    public void Striper_should_declare_a_silent_substream_stalled_and_resend_its_chunks_elsewhere()
    {
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        var onZero = _sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        _sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        // Substream 1 keeps acknowledging; substream 0 goes silent.
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(250));
            _striper.Tell(Ack(11, 1000));
        }

        var down = _parent.FishForMessage<SubstreamDown>(_ => true);
        Assert.Equal(0, down.Index);
        Assert.Contains("stalled", down.Reason, StringComparison.Ordinal);
        Assert.Equal(onZero.Offset, _sub1.FishForMessage<TcpLegProtocol.WriteData>(_ => true).Offset);
    }

    [Fact]
    public void Striper_should_resend_a_fin_whose_substream_went_silent()
    {
        _striper.Tell(new EdgeEnded(null));
        var fin = _sub0.ExpectMsg<TcpLegProtocol.WriteFin>();

        // Substream 1 is idle and healthy; substream 0 never acknowledges the FIN.
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(250));
        }

        var down = _parent.FishForMessage<SubstreamDown>(_ => true);
        Assert.Equal(0, down.Index);
        Assert.Contains("and the FIN", down.Reason, StringComparison.Ordinal);
        Assert.Equal(fin.FinalOffset, _sub1.FishForMessage<TcpLegProtocol.WriteFin>(_ => true).FinalOffset);
    }

    [Fact]
    public void Striper_should_take_fin_delivered_from_a_late_ack_of_a_substream_it_gave_up()
    {
        // Under load the FIN's substream is called stalled although it was only slow; its ACK saying the far side
        // delivered the FIN then arrives. It must finish the direction, not be dropped with the substream.
        _striper.Tell(new EdgeEnded(null));
        _sub0.ExpectMsg<TcpLegProtocol.WriteFin>();
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(0, _parent.FishForMessage<SubstreamDown>(_ => true).Index);
        _sub1.FishForMessage<TcpLegProtocol.WriteFin>(_ => true);

        _striper.Tell(new AckReceived(10, 0, 0, FrameFlags.FinDelivered, new AckPayload(0, 100_000_000)));

        _parent.FishForMessage<OutboundFinished>(_ => true);
    }

    [Fact]
    public void Striper_should_not_call_an_idle_substream_stalled()
    {
        _clock.Advance(TimeSpan.FromSeconds(30));

        _parent.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Striper_should_favour_the_faster_substream_and_cut_pieces_that_tile_the_stream()
    {
        // Substream 0 delivers four times as fast as substream 1; after the estimates settle, count where chunks go.
        var sent = new Dictionary<TestProbe, long> { [_sub0] = 0, [_sub1] = 0 };
        var acked = new Dictionary<TestProbe, long> { [_sub0] = 0, [_sub1] = 0 };
        var rates = new Dictionary<TestProbe, long> { [_sub0] = 4_000_000, [_sub1] = 1_000_000 };
        var counts = new Dictionary<TestProbe, long> { [_sub0] = 0, [_sub1] = 0 };
        var pieces = new List<(long Offset, int Length)>();
        for (var step = 0; step < 300; step++)
        {
            _striper.Tell(new EdgeData(BufferLease.CopyOf(new byte[Chunk])));
            _striper.Tell(Ack(10, 0, credit: long.MaxValue / 2));
            foreach (var probe in new[] { _sub0, _sub1 })
            {
                while (probe.TryExpectMsg<TcpLegProtocol.WriteData>(TimeSpan.FromMilliseconds(5), out var write))
                {
                    sent[probe] += write.Lease.Length;
                    pieces.Add((write.Offset, write.Lease.Length));
                    if (step >= 150)
                    {
                        counts[probe] += write.Lease.Length;
                    }
                }
            }

            // 10 ms pass; each substream acknowledges what its rate allows of what it was given.
            _clock.Advance(TimeSpan.FromMilliseconds(10));
            foreach (var probe in new[] { _sub0, _sub1 })
            {
                acked[probe] = Math.Min(sent[probe], acked[probe] + (rates[probe] / 100));
                _striper.Tell(Ack(probe == _sub0 ? 10 : 11, acked[probe], credit: long.MaxValue / 2));
            }
        }

        // The share itself is checked deterministically in SubstreamSchedulerTests; here only that both carry data.
        Assert.True(counts[_sub0] > counts[_sub1] && counts[_sub1] > 0, $"fast {counts[_sub0]} bytes, slow {counts[_sub1]}");

        // Pieces cut for the slower substream still tile the stream: no gap, no overlap.
        long expected = 0;
        foreach (var (offset, length) in pieces.OrderBy(p => p.Offset))
        {
            Assert.Equal(expected, offset);
            expected += length;
        }

        Assert.Contains(pieces, p => p.Length < Chunk);
    }

    private AckReceived Ack(int slot, long received, long credit = 100_000_000) =>
        new(slot, received, _clock.GetTimestamp(), FrameFlags.None, new AckPayload(0, credit));
}
