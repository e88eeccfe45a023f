using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Striper.Actors.Services;

namespace Striper.Tests.Support;

/// <summary>
/// How tests make actor systems: with the Akka settings Striper's actors rely on, the logger factory a test reads,
/// and, for tests that move time themselves, Akka.TestKit's virtual-time <c>TestScheduler</c> (timers fire and the
/// actors' clock moves only on <c>TestScheduler.Advance</c>).
/// </summary>
internal static class TestSystems
{
    private static readonly Config ManualTime = ConfigurationFactory.ParseString(
        """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """);

    internal static ActorSystemSetup Setup(ILoggerFactory? log = null, bool manualTime = false)
    {
        var config = manualTime ? ManualTime.WithFallback(StriperAkkaConfig.Required) : StriperAkkaConfig.Required;
        return BootstrapSetup.Create().WithConfig(config).And(new StriperSetup(log));
    }

    /// <summary>A system of its own, outside a TestKit (a proxy pair's two ends).</summary>
    public static ActorSystem Create(string name, ILoggerFactory? log = null) => ActorSystem.Create(name, Setup(log));
}
