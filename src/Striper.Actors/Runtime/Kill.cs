namespace Striper.Actors.Runtime;

/// <summary>
/// When processed, makes the actor fail with <see cref="ActorKilledException"/>; the supervisor decides
/// what happens (the default strategy stops it).
/// </summary>
public sealed class Kill
{
    private Kill()
    {
    }

    public static Kill Instance { get; } = new();

    public override string ToString() => "<Kill>";
}
