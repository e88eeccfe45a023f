namespace Striper.Actors.Runtime;

/// <summary>
/// An ordinary user message that stops the actor when it is processed, so everything queued before it is
/// handled first (unlike <see cref="IActorContext.Stop"/>, which overtakes the backlog).
/// </summary>
public sealed class PoisonPill
{
    private PoisonPill()
    {
    }

    public static PoisonPill Instance { get; } = new();

    public override string ToString() => "<PoisonPill>";
}
