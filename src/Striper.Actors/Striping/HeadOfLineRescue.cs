namespace Striper.Actors.Striping;

/// <summary>
/// Finds the chunk that holds the whole connection back: the one at the far side's delivered offset, when it is late
/// on its substream. A TCP substream that lost a packet delivers nothing until it has recovered it (a round trip at
/// best, a retransmission timeout at worst), and a substream on a slower path delivers later than the others; either
/// way everything the other substreams carried meanwhile waits in the far side's reorder buffer, and once that fills
/// the credit, the connection stops. A copy of that one chunk on a substream that is moving ends the wait; the far
/// side keeps whichever copy arrives first and drops the other by its offset.
///
/// A chunk is late once it has been in flight for its substream's smoothed RTT plus four variances (what TCP waits
/// before it declares a loss by timeout, without TCP's one-second floor) and no less than
/// <see cref="MinimumWait"/>. Each offset is rescued once, so a slow path is not made to carry everything twice.
/// </summary>
internal sealed class HeadOfLineRescue
{
    /// <summary>Never sooner than this: below it a copy would race a chunk that is merely queued behind others.</summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(10);

    private readonly TimeProvider _clock;
    private long _rescuedOffset = -1;

    public HeadOfLineRescue(TimeProvider clock) => _clock = clock;

    /// <summary>
    /// The substream holding the chunk that covers <paramref name="farDelivered"/> and that chunk, if it is late
    /// and not yet rescued; otherwise null, with <paramref name="lateIn"/> set to when it will be late (or null if
    /// there is nothing to wait for).
    /// </summary>
    public (SubstreamSlot Holder, SentChunk Chunk)? FindLate(IReadOnlyList<SubstreamSlot> slots, long farDelivered, long now, out TimeSpan? lateIn)
    {
        lateIn = null;
        foreach (var slot in slots)
        {
            if (!slot.Alive)
            {
                continue;
            }

            foreach (var chunk in slot.Unacked)
            {
                if (chunk.Offset > farDelivered || chunk.Offset + chunk.Lease.Length <= farDelivered)
                {
                    continue;
                }

                if (chunk.Offset == _rescuedOffset)
                {
                    return null;
                }

                var waited = _clock.GetElapsedTime(chunk.SentAt, now);
                var limit = Patience(slot);
                if (waited < limit)
                {
                    lateIn = limit - waited;
                    return null;
                }

                return (slot, chunk);
            }
        }

        return null;
    }

    /// <summary>Records that the chunk at <paramref name="offset"/> has been copied onto another substream.</summary>
    public void Rescued(long offset) => _rescuedOffset = offset;

    private static TimeSpan Patience(SubstreamSlot slot)
    {
        var estimator = slot.Estimator;
        var patience = (estimator.SmoothedRtt ?? TimeSpan.Zero) + (4 * estimator.RttVariance);
        return patience > MinimumWait ? patience : MinimumWait;
    }
}
