using Akka.Configuration;

namespace Striper.Actors.Services;

/// <summary>
/// The Akka settings Striper's actors rely on; give them as the first config of an actor system, so that a user's
/// <c>akka { }</c> block cannot turn them off. A top-level actor (a proxy, an MDP node, a tunnel listener) owns
/// sockets that a restart would run again on after disposing them, so the user guardian stops a failed one instead
/// of Akka's default restart. Standard output carries data (<c>striper msp connect</c> in stdio mode) and the demo's
/// report, so Akka never prints there: its log goes to the loggers the host configures (Serilog, on standard error),
/// and its minimal logger (before those start and after they stop) to <see cref="StandardErrorLogger"/>.
/// <see cref="StriperServices"/> starts with the system, so undelivered buffers go back from the first message on.
/// </summary>
public static class StriperAkkaConfig
{
    public static Config Required { get; } = ConfigurationFactory.ParseString("""
        akka.actor.guardian-supervisor-strategy = "Akka.Actor.StoppingSupervisorStrategy, Akka"
        akka.stdout-logger-class = "Striper.Actors.Services.StandardErrorLogger, Striper.Actors"
        akka.extensions = ["Striper.Actors.Services.StriperServicesProvider, Striper.Actors"]
        """);
}
