using Akka.Actor;
using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Striping;

namespace Striper.Tests.Striping;

/// <summary>The scheduling policy alone, simulated on a manual clock: no actors, no timing races.</summary>
public sealed class SubstreamSchedulerTests
{
    private const int Chunk = 256 * 1024;

    [Theory]
    [InlineData(4_000_000, 1_000_000, 0.80)]
    [InlineData(2_500_000, 250_000, 0.91)]
    [InlineData(2_500_000, 2_500_000, 0.50)]
    public void Scheduler_should_share_bytes_in_proportion_to_delivery_rates(long fastRate, long slowRate, double expectedFastShare)
    {
        var clock = new FakeTimeProvider();
        var scheduler = new SubstreamScheduler(clock, Chunk, 4L * 1024 * 1024, TimeSpan.FromMilliseconds(100));
        var fast = new SubstreamSlot(1, 0, ActorRefs.Nobody, clock.GetTimestamp());
        var slow = new SubstreamSlot(2, 1, ActorRefs.Nobody, clock.GetTimestamp());
        var slots = new[] { fast, slow };
        var rates = new Dictionary<SubstreamSlot, long> { [fast] = fastRate, [slow] = slowRate };
        var carried = new Dictionary<SubstreamSlot, long> { [fast] = 0, [slow] = 0 };

        // 20 s of a saturated sender, 1 ms steps: send whatever the scheduler allows, then each substream
        // delivers (and acknowledges) at its rate, with 10 ms of path delay.
        for (var step = 0; step < 20_000; step++)
        {
            var now = clock.GetTimestamp();
            while (scheduler.Pick(slots, Chunk, now, out var take) is { } slot)
            {
                slot.Sent += take;
                if (step >= 5_000)
                {
                    carried[slot] += take;
                }
            }

            clock.Advance(TimeSpan.FromMilliseconds(1));
            foreach (var slot in slots)
            {
                var deliverable = Math.Min(slot.Sent, slot.Acked + (rates[slot] / 1000));
                if (deliverable > slot.Acked)
                {
                    slot.Acked = deliverable;
                    slot.Estimator.OnRttSample(TimeSpan.FromMilliseconds(10) + TimeSpan.FromSeconds((double)slot.InFlight / rates[slot]));
                    slot.Estimator.OnAcked(slot.Acked, clock.GetTimestamp(), clock);
                }
            }
        }

        var share = (double)carried[fast] / (carried[fast] + carried[slow]);
        Assert.InRange(share, expectedFastShare - 0.05, expectedFastShare + 0.05);
        Assert.True(slow.InFlight <= scheduler.Cap(slow, slowRate), "the slow substream ran past its cap");
    }
}
