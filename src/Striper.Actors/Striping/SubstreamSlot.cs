using Striper.Actors.Runtime;

namespace Striper.Actors.Striping;

/// <summary>The Striper's view of one substream: its leg, what it carries and what the far side has confirmed.</summary>
internal sealed class SubstreamSlot
{
    public SubstreamSlot(int index, IActorRef leg)
    {
        Index = index;
        Leg = leg;
    }

    public int Index { get; }

    public IActorRef Leg { get; }

    public bool Alive { get; set; } = true;

    /// <summary>DATA payload bytes sent on this substream.</summary>
    public long Sent { get; set; }

    /// <summary>DATA payload bytes the far side has confirmed receiving on this substream.</summary>
    public long Acked { get; set; }

    public long InFlight => Sent - Acked;

    public Queue<SentChunk> Unacked { get; } = new();
}
