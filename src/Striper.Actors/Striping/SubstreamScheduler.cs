namespace Striper.Actors.Striping;

/// <summary>
/// Sends each chunk where it would be delivered first: the estimated completion on a substream is what it already
/// has in flight plus the chunk, at its delivery rate, plus half its smoothed RTT. A slow or congested substream
/// thus gets chunks only in proportion to what it can carry, and one whose RTT climbs gets less.
///
/// Each substream also has an in-flight cap derived from its rate: what it delivers in <c>target-delay</c>, plus two
/// chunks, within the configured bounds. The cap keeps the queue behind every substream short, so chunks sent on a
/// slow substream arrive about as soon as those on fast ones and the far side's reorder buffer stays small.
/// </summary>
internal sealed class SubstreamScheduler
{
    private readonly TimeProvider _clock;
    private readonly int _chunkSize;
    private readonly long _maxInFlight;
    private readonly TimeSpan _targetDelay;

    public SubstreamScheduler(TimeProvider clock, int chunkSize, long maxInFlight, TimeSpan targetDelay)
    {
        _clock = clock;
        _chunkSize = chunkSize;
        _maxInFlight = maxInFlight;
        _targetDelay = targetDelay;
    }

    public SubstreamSlot? Pick(IReadOnlyList<SubstreamSlot> slots, int length, long now)
    {
        SubstreamSlot? best = null;
        var bestCompletion = double.MaxValue;
        foreach (var slot in slots)
        {
            if (!slot.Alive)
            {
                continue;
            }

            var rate = slot.Estimator.PlanningRate(now, _clock);
            if (slot.InFlight > 0 && slot.InFlight + length > Cap(slot, rate))
            {
                continue;
            }

            var completion = ((slot.InFlight + length) / rate) + ((slot.Estimator.SmoothedRtt ?? TimeSpan.Zero).TotalSeconds / 2);
            if (completion < bestCompletion)
            {
                best = slot;
                bestCompletion = completion;
            }
        }

        return best;
    }

    /// <summary>Bytes this substream may have unacknowledged: before any rate sample, four chunks.</summary>
    public long Cap(SubstreamSlot slot, double rate)
    {
        var floor = 2L * _chunkSize;
        if (slot.Estimator.DeliveryRate <= 0)
        {
            return Math.Min(2 * floor, _maxInFlight);
        }

        var cap = (long)(rate * _targetDelay.TotalSeconds) + floor;
        return Math.Clamp(cap, Math.Min(floor, _maxInFlight), _maxInFlight);
    }
}
