using Akka.Actor;

namespace Striper.Actors.Striping;

/// <summary>The Striper's view of one substream leg: what it carries, what the far side confirmed, how its path behaves.</summary>
internal sealed class SubstreamSlot
{
    public SubstreamSlot(int id, int index, IActorRef leg, long now)
    {
        Id = id;
        Index = index;
        Leg = leg;
        LastProgress = now;
        Estimator.Start(now);
    }

    /// <summary>Unique per leg within the session: a re-dialled substream gets a new id for the same index.</summary>
    public int Id { get; }

    /// <summary>The substream index from the handshake (for logs and per-substream metrics).</summary>
    public int Index { get; }

    public IActorRef Leg { get; }

    public bool Alive { get; set; } = true;

    /// <summary>Being closed on purpose (an auto-sized connection shrinking): gets no new data, ends once drained.</summary>
    public bool Retiring { get; set; }

    /// <summary>DATA payload bytes sent on this substream.</summary>
    public long Sent { get; set; }

    /// <summary>DATA payload bytes the far side has confirmed receiving on this substream.</summary>
    public long Acked { get; set; }

    public long InFlight => Sent - Acked;

    /// <summary>When the acknowledged count last grew (or the slot started): for stall detection.</summary>
    public long LastProgress { get; set; }

    public SubstreamEstimator Estimator { get; } = new();

    public Queue<SentChunk> Unacked { get; } = new();
}
