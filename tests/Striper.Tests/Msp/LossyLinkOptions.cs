namespace Striper.Tests.Msp;

/// <summary>Probabilities per datagram; <see cref="ReorderDepth"/> is how many later datagrams may overtake a held one.</summary>
internal sealed record LossyLinkOptions
{
    public double Loss { get; init; }

    public double Reordering { get; init; }

    public int ReorderDepth { get; init; } = 3;

    public double Duplication { get; init; }

    public double Corruption { get; init; }

    public static LossyLinkOptions Perfect { get; } = new();
}
