namespace Striper.Actors.Runtime;

/// <summary>
/// How to create an actor. The factory is called again on every restart, so it must build a fresh
/// instance each time (never return a captured one).
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Func<ActorBase> factory, Type actorType, SupervisorStrategy? supervisorStrategy)
    {
        _factory = factory;
        ActorType = actorType;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>Strategy the created actor applies to its children; overrides the actor's own virtual.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    internal Type ActorType { get; }

    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, typeof(TActor), null);
    }

    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(_factory, ActorType, strategy);
    }

    internal ActorBase NewActor() => _factory();

    public override string ToString() => $"Props({ActorType.Name})";
}
