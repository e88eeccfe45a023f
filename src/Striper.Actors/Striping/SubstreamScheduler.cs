namespace Striper.Actors.Striping;

/// <summary>
/// Picks the substream for the next chunk: the live one with the fewest unacknowledged bytes, as long as the
/// chunk fits under its in-flight cap. A congested substream's acknowledgements come back slowly, so its
/// in-flight count stays high and it is chosen less; a stalled one reaches the cap and gets nothing.
/// </summary>
internal sealed class SubstreamScheduler
{
    private readonly long _inFlightLimit;

    public SubstreamScheduler(long inFlightLimit)
    {
        _inFlightLimit = inFlightLimit;
    }

    public SubstreamSlot? Pick(IReadOnlyList<SubstreamSlot> slots, int length)
    {
        SubstreamSlot? best = null;
        foreach (var slot in slots)
        {
            if (!slot.Alive || (slot.InFlight > 0 && slot.InFlight + length > _inFlightLimit))
            {
                continue;
            }

            if (best is null || slot.InFlight < best.InFlight)
            {
                best = slot;
            }
        }

        return best;
    }
}
