namespace Striper.Actors.Striping;

/// <summary>
/// Sends each chunk where it would be delivered first: the estimated completion on a substream is what it already
/// has in flight plus the piece, at its delivery rate, plus half its smoothed RTT. A slow or congested substream
/// thus gets data only in proportion to what it can carry, and one whose RTT climbs gets less.
///
/// Two limits keep the queue behind every substream short, so pieces sent on slow substreams arrive about when
/// those on fast ones do and the far side's reorder buffer stays small:
/// - a piece size: what the substream delivers in half the target delay (at most a chunk, at least 4 KiB), so a
///   slow substream is given small pieces instead of whole chunks it would take a long time to carry;
/// - an in-flight cap: what it delivers in its minimum RTT plus the target delay (and no less than in three minimum
///   RTTs, see <see cref="RampHeadroom"/>), plus two pieces, within the configured maximum. The RTT is part of it because a path holds rate × RTT in flight before any queue forms: a
///   cap of rate × target delay alone would hold a substream on a path longer than the target delay below its rate
///   (and its measured rate, and so its cap, lower still) however fast the path.
/// </summary>
internal sealed class SubstreamScheduler
{
    /// <summary>The smallest piece worth a frame header and an actor message.</summary>
    public const int MinPiece = 4 * 1024;

    /// <summary>Piece size before a substream's first rate sample: a cautious start, since it may be a slow one.</summary>
    public const int ProbePiece = 16 * 1024;

    /// <summary>
    /// The cap is never below this many minimum RTTs of the substream's rate: a substream still ramping up (its
    /// TCP's rate doubling each round trip, its measured rate a round behind) must be let put more in flight than its
    /// last rounds carried. With the RTT plus the target delay alone, each substream on a 150 ms path could grow by
    /// two thirds per round trip, and one connection took seconds to fill the path (each second about 1.4 times the
    /// last in the lab, where direct TCP flows reached the path's rate within two seconds); 2 doubled what 32
    /// substreams carried over the first 10 s there, 3 added a third more again.
    /// </summary>
    public const double RampHeadroom = 3;

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

    /// <summary>The substream for the next <paramref name="length"/> bytes, and how many of them it should take.</summary>
    public SubstreamSlot? Pick(IReadOnlyList<SubstreamSlot> slots, int length, long now, out int take)
    {
        SubstreamSlot? best = null;
        var bestCompletion = double.MaxValue;
        take = 0;
        foreach (var slot in slots)
        {
            if (!slot.Alive || slot.Retiring)
            {
                continue;
            }

            var rate = slot.Estimator.PlanningRate(now, _clock);
            var piece = Math.Min(length, PieceSize(slot, rate));
            if (slot.InFlight > 0 && slot.InFlight + piece > Cap(slot, rate))
            {
                continue;
            }

            var completion = ((slot.InFlight + piece) / rate) + ((slot.Estimator.SmoothedRtt ?? TimeSpan.Zero).TotalSeconds / 2);
            if (completion < bestCompletion)
            {
                best = slot;
                bestCompletion = completion;
                take = piece;
            }
        }

        return best;
    }

    /// <summary>Largest piece for this substream.</summary>
    public int PieceSize(SubstreamSlot slot, double rate)
    {
        if (slot.Estimator.DeliveryRate <= 0)
        {
            return Math.Min(ProbePiece, _chunkSize);
        }

        var piece = rate * _targetDelay.TotalSeconds / 2;
        return (int)Math.Clamp(piece, Math.Min(MinPiece, _chunkSize), _chunkSize);
    }

    /// <summary>Bytes this substream may have unacknowledged: before any rate sample, four probe pieces.</summary>
    public long Cap(SubstreamSlot slot, double rate)
    {
        if (slot.Estimator.DeliveryRate <= 0)
        {
            return Math.Min(4L * PieceSize(slot, rate), _maxInFlight);
        }

        var minRtt = slot.Estimator.MinRtt ?? TimeSpan.Zero;
        var pathDelay = Max(minRtt + _targetDelay, RampHeadroom * minRtt);
        var cap = (long)(rate * pathDelay.TotalSeconds) + (2L * PieceSize(slot, rate));
        return Math.Min(cap, _maxInFlight);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
