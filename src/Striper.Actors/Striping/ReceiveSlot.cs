using Akka.Actor;

namespace Striper.Actors.Striping;

/// <summary>The Reassembler's view of one substream: where to send its ACKs and what they must report.</summary>
internal sealed class ReceiveSlot(IActorRef leg)
{
    public IActorRef Leg { get; } = leg;

    /// <summary>DATA payload bytes received on this substream: the per-substream acknowledgement.</summary>
    public long Received { get; set; }

    /// <summary>The stamp of the newest DATA frame, echoed so the sender can measure this substream's RTT.</summary>
    public long LastStamp { get; set; }

    /// <summary>DATA arrived since the last ACK on this substream; the next flush sends one.</summary>
    public bool OwesAck { get; set; }

    /// <summary>The credit limit the last ACK on this substream carried: each substream is kept close to the current one.</summary>
    public long AnnouncedLimit { get; set; }
}
