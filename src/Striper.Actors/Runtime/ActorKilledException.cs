namespace Striper.Actors.Runtime;

/// <summary>Raised inside an actor that processed <see cref="Kill"/>; the default strategy stops it.</summary>
public sealed class ActorKilledException : Exception
{
    public ActorKilledException()
        : base("Kill")
    {
    }

    public ActorKilledException(string message)
        : base(message)
    {
    }

    public ActorKilledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
