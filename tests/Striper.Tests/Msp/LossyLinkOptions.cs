namespace Striper.Tests.Msp;

/// <summary>
/// Probabilities per datagram; <see cref="ReorderDepth"/> is how many later datagrams may overtake a held one. With
/// <see cref="BytesPerSecond"/> or <see cref="Delay"/> set the link is a path on a clock instead: a bottleneck of that
/// rate with a drop-tail queue of <see cref="QueueBytes"/>, then the one-way delay (see <see cref="LossyLink"/>).
/// Random loss happens before the bottleneck, so what is lost takes none of its capacity.
/// </summary>
internal sealed record LossyLinkOptions
{
    public double Loss { get; init; }

    public double Reordering { get; init; }

    public int ReorderDepth { get; init; } = 3;

    public double Duplication { get; init; }

    public double Corruption { get; init; }

    /// <summary>Bottleneck rate; 0 for none.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Propagation delay after the bottleneck.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Drop-tail queue in front of the bottleneck, bytes waiting (not counting the one being sent); 0 for unlimited.</summary>
    public int QueueBytes { get; init; }

    public bool IsPath => BytesPerSecond > 0 || Delay > TimeSpan.Zero;

    public static LossyLinkOptions Perfect { get; } = new();
}
