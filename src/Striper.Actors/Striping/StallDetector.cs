namespace Striper.Actors.Striping;

/// <summary>
/// Decides which substreams have stalled: bytes (or the FIN) in flight and no acknowledgement progress for
/// <c>stall-timeout</c>, or four smoothed RTTs if longer. Only if the substream is alone or some other substream is
/// healthy (everything it carried acknowledged, or acknowledged recently): when all of them are silent the cause is
/// not one path but the peer or this machine pausing, and cutting substreams would not help.
/// </summary>
internal sealed class StallDetector
{
    private readonly TimeProvider _clock;
    private readonly TimeSpan _stallTimeout;

    public StallDetector(TimeProvider clock, TimeSpan stallTimeout)
    {
        _clock = clock;
        _stallTimeout = stallTimeout;
    }

    /// <param name="finSlot">The slot carrying an unacknowledged FIN, or -1.</param>
    public List<(SubstreamSlot Slot, string Reason)> FindStalled(IReadOnlyList<SubstreamSlot> slots, int finSlot, long now)
    {
        var stalled = new List<(SubstreamSlot, string)>();
        foreach (var slot in slots)
        {
            // An unacknowledged FIN counts as something in flight: a silent substream must not swallow it.
            var carriesFin = slot.Id == finSlot;
            if (!slot.Alive || (slot.InFlight == 0 && !carriesFin))
            {
                continue;
            }

            var silent = _clock.GetElapsedTime(slot.LastProgress, now);
            if (silent > Limit(slot) && AnotherIsHealthyOrAlone(slots, slot, now))
            {
                stalled.Add((slot, $"stalled: {slot.InFlight} bytes{(carriesFin ? " and the FIN" : "")} unacknowledged for {silent.TotalSeconds:0.0}s"));
            }
        }

        return stalled;
    }

    private TimeSpan Limit(SubstreamSlot slot) =>
        slot.Estimator.SmoothedRtt is { } srtt && 4 * srtt > _stallTimeout ? 4 * srtt : _stallTimeout;

    private bool AnotherIsHealthyOrAlone(IReadOnlyList<SubstreamSlot> slots, SubstreamSlot slot, long now)
    {
        var others = 0;
        foreach (var other in slots)
        {
            if (other == slot || !other.Alive)
            {
                continue;
            }

            others++;
            if (other.InFlight == 0 || _clock.GetElapsedTime(other.LastProgress, now) < Limit(other) / 2)
            {
                return true;
            }
        }

        return others == 0;
    }
}
