using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Settings;
using Striper.Actors.Striping;
using Striper.Tests.Striping;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Fuzz;

/// <summary>
/// A peer that floods legal frames (duplicate DATA below its credit limit) must not grow the receiving actors'
/// mailboxes for as long as the flood lasts. Before the substream inbound paced itself, two legs flooding one-byte
/// duplicates ran about 300,000 frames ahead of the Reassembler within half a second, and the gap kept growing.
/// Two legs and a fixed number of frames keep this test from starving the tests that run beside it.
/// </summary>
public sealed class DuplicateFloodTests : StriperTestKit
{
    private const int Legs = 2;
    private const int FramesPerRead = 4096;

    [Fact]
    public async Task Duplicate_data_flooding_every_leg_should_keep_the_reassembler_backlog_bounded()
    {
        var settings = StriperSettings.Default with { CreditWindow = 1024 * 1024, ChunkSize = 64 * 1024, MaxFramePayload = 64 * 1024 };
        var parent = CreateTestProbe();
        ActorOf(StepParent.Props(Reassembler.Props(settings, BufferBudget.CreateUnlimited()), parent, "reassembler"), "parent");
        var reassembler = parent.ExpectMsg<ChildIs>().Child;
        reassembler.Tell(new EdgeAttached(new AckCounter("edge")));
        var acks = Enumerable.Range(0, Legs).Select(i => new AckCounter($"leg{i}")).ToArray();
        var inbounds = Enumerable.Range(0, Legs).Select(i => new SubstreamInbound(i, parent, reassembler, parent, settings.MaxFramePayload)).ToArray();
        for (var i = 0; i < Legs; i++)
        {
            reassembler.Tell(new SubstreamAttached(i, i, acks[i]));
        }

        // One-byte duplicates: the cheapest legal frames to send, the dearest to handle per byte.
        var flood = WireFrame.Encode(Enumerable.Repeat(WireFrame.Data(0, 1, [42]), FramesPerRead));
        // Frames each leg may have outstanding, plus the ACKs' lag for each: an ACK is flushed once per mailbox burst,
        // and a burst may hold another leg-full, so allow two more (unpaced, the gap passes 300,000 within half a second).
        var bound = Legs * 3 * (inbounds[0].OutstandingLimit / (SubstreamInbound.FrameCost + 1));

        // The flood runs until ten bounds' worth of frames got through, however slow a loaded machine makes that; a
        // pacing that stalls the legs never gets there and fails by the deadline instead.
        var goal = 10L * bound;
        var told = new long[Legs];
        var outstandingPeak = 0L;
        using var stop = new CancellationTokenSource();
        var deadline = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, Legs).Select(i => Task.Run(() => ReceiveLoopAsync(inbounds[i], flood, told, i, stop.Token))).ToArray();
        var backlogPeak = 0L;
        while (!loops.All(l => l.IsCompleted))
        {
            backlogPeak = Math.Max(backlogPeak, Enumerable.Range(0, Legs).Sum(i => Volatile.Read(ref told[i]) - acks[i].Received));
            outstandingPeak = Math.Max(outstandingPeak, inbounds.Max(i => i.Outstanding));
            if (Enumerable.Range(0, Legs).Sum(i => Volatile.Read(ref told[i])) >= goal || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                await stop.CancelAsync();
            }

            await Task.Delay(5);
        }

        await Task.WhenAll(loops);

        Assert.True(backlogPeak <= bound, $"the Reassembler fell {backlogPeak} frames behind (bound {bound}) after {told.Sum()} frames");
        Assert.InRange(outstandingPeak, 0, inbounds[0].OutstandingLimit + SubstreamInbound.FrameCost + 1);
        Assert.True(told.Sum() >= goal, $"only {told.Sum()} of {goal} frames got through in {deadline.Elapsed.TotalSeconds:0.#} s: the pacing must not stall the legs");
        await WaitUntilAsync(() => Enumerable.Range(0, Legs).All(i => acks[i].Received == told[i]));
        Assert.All(inbounds, i => Assert.Equal(0, i.Outstanding));
    }

    /// <summary>What <see cref="TcpLeg"/>'s receive loop does, minus the socket: the peer always has more frames ready.</summary>
    private static async Task ReceiveLoopAsync(SubstreamInbound inbound, byte[] flood, long[] told, int leg, CancellationToken stop)
    {
        var buffer = ReadOnlySequence<byte>.Empty;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await inbound.WaitUntilReadyAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (buffer.IsEmpty)
            {
                buffer = new ReadOnlySequence<byte>(flood);
            }

            var before = buffer.Length;
            Assert.Null(inbound.Process(ref buffer));
            Volatile.Write(ref told[leg], told[leg] + ((before - buffer.Length) / 25));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the Reassembler did not catch up");
            await Task.Delay(10);
        }
    }
}
