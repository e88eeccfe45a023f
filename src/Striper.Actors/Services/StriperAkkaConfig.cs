using Akka.Configuration;

namespace Striper.Actors.Services;

/// <summary>
/// The Akka settings Striper's actors rely on, whatever else a configuration says: a top-level actor (a proxy, an MDP
/// node, a tunnel listener) owns sockets that a restart would run again on after disposing them, so the user guardian
/// stops a failed one instead of Akka's default restart. Give it as the last fallback of an actor system's config.
/// </summary>
public static class StriperAkkaConfig
{
    public static Config Required { get; } = ConfigurationFactory.ParseString("""
        akka.actor.guardian-supervisor-strategy = "Akka.Actor.StoppingSupervisorStrategy, Akka"
        """);
}
