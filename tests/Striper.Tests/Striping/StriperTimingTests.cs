using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Striping;

/// <summary>The Striper's time-driven behaviour, on a manual clock: stalls and rate-proportional scheduling.</summary>
public sealed class StriperTimingTests : StriperHarness
{
    private const int Chunk = 64 * 1024;

    public StriperTimingTests()
        : base(StriperSettings.Default with { StallTimeout = TimeSpan.FromSeconds(2), SubstreamInFlightLimit = 1024 * 1024 }, firstSlot: 10)
    {
        StriperRef.Tell(Ack(10, 0));
    }

    [Fact]
    public void Striper_should_declare_a_silent_substream_stalled_and_resend_its_chunks_elsewhere()
    {
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        var onZero = Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Sub1.ExpectMsg<TcpLegProtocol.WriteData>();

        // Substream 1 keeps acknowledging; substream 0 goes silent.
        for (var i = 0; i < 10; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(250));
            StriperRef.Tell(Ack(11, 1000));
        }

        var down = Parent.FishForMessage<SubstreamDown>(_ => true);
        Assert.Equal(0, down.Index);
        Assert.Contains("stalled", down.Reason, StringComparison.Ordinal);
        Assert.Equal(onZero.Offset, Sub1.FishForMessage<TcpLegProtocol.WriteData>(_ => true).Offset);
    }

    [Fact]
    public void Striper_should_resend_a_fin_whose_substream_went_silent()
    {
        StriperRef.Tell(new EdgeEnded(null));
        var fin = Sub0.ExpectMsg<TcpLegProtocol.WriteFin>();

        // Substream 1 is idle and healthy; substream 0 never acknowledges the FIN.
        for (var i = 0; i < 10; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(250));
        }

        var down = Parent.FishForMessage<SubstreamDown>(_ => true);
        Assert.Equal(0, down.Index);
        Assert.Contains("and the FIN", down.Reason, StringComparison.Ordinal);
        Assert.Equal(fin.FinalOffset, Sub1.FishForMessage<TcpLegProtocol.WriteFin>(_ => true).FinalOffset);
    }

    [Fact]
    public void Striper_should_take_fin_delivered_from_a_late_ack_of_a_substream_it_gave_up()
    {
        // Under load the FIN's substream is called stalled although it was only slow; its ACK saying the far side
        // delivered the FIN then arrives. It must finish the direction, not be dropped with the substream.
        StriperRef.Tell(new EdgeEnded(null));
        Sub0.ExpectMsg<TcpLegProtocol.WriteFin>();
        for (var i = 0; i < 10; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(0, Parent.FishForMessage<SubstreamDown>(_ => true).Index);
        Sub1.FishForMessage<TcpLegProtocol.WriteFin>(_ => true);

        StriperRef.Tell(new AckReceived(10, 0, 0, FrameFlags.FinDelivered, new AckPayload(0, 100_000_000)));

        Parent.FishForMessage<OutboundFinished>(_ => true);
    }

    [Fact]
    public void Striper_should_not_copy_a_late_chunk_while_it_can_send_new_data()
    {
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[1000])));
        Sub0.ExpectMsg<TcpLegProtocol.WriteData>();
        Sub1.ExpectMsg<TcpLegProtocol.WriteData>();
        StriperRef.Tell(new AckReceived(11, 1000, Clock.Now.UtcTicks, FrameFlags.None, new AckPayload(0, 100_000_000)));

        Clock.Advance(TimeSpan.FromMilliseconds(200));

        Sub1.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Striper_should_not_call_an_idle_substream_stalled()
    {
        Clock.Advance(TimeSpan.FromSeconds(30));

        Parent.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Striper_should_favour_the_faster_substream_and_cut_pieces_that_tile_the_stream()
    {
        // Substream 0 delivers four times as fast as substream 1; after the estimates settle, count where chunks go.
        var sent = new Dictionary<TestProbe, long> { [Sub0] = 0, [Sub1] = 0 };
        var acked = new Dictionary<TestProbe, long> { [Sub0] = 0, [Sub1] = 0 };
        var rates = new Dictionary<TestProbe, long> { [Sub0] = 4_000_000, [Sub1] = 1_000_000 };
        var counts = new Dictionary<TestProbe, long> { [Sub0] = 0, [Sub1] = 0 };
        var pieces = new List<(long Offset, int Length)>();
        for (var step = 0; step < 300; step++)
        {
            StriperRef.Tell(new EdgeData(BufferLease.CopyOf(new byte[Chunk])));
            StriperRef.Tell(Ack(10, 0, credit: long.MaxValue / 2));
            foreach (var probe in new[] { Sub0, Sub1 })
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
            Clock.Advance(TimeSpan.FromMilliseconds(10));
            foreach (var probe in new[] { Sub0, Sub1 })
            {
                acked[probe] = Math.Min(sent[probe], acked[probe] + (rates[probe] / 100));
                StriperRef.Tell(Ack(probe == Sub0 ? 10 : 11, acked[probe], credit: long.MaxValue / 2));
            }
        }

        // The share itself is checked deterministically in SubstreamSchedulerTests; here only that both carry data.
        Assert.True(counts[Sub0] > counts[Sub1] && counts[Sub1] > 0, $"fast {counts[Sub0]} bytes, slow {counts[Sub1]}");

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
        new(slot, received, Clock.Now.UtcTicks, FrameFlags.None, new AckPayload(0, credit));
}
