using System.Collections.Concurrent;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Sessions;

namespace Striper.Actors.Services;

/// <summary>
/// The actor-system extension behind <see cref="ActorContextServices"/>: the logger factory and clock from the
/// system's <see cref="StriperSetup"/>, and the listener that gives undelivered buffers back. One per actor system,
/// created the first time an actor asks.
/// </summary>
public sealed class StriperServices : IExtension
{
    private readonly ConcurrentDictionary<string, Lazy<SubstreamCongestionControl>> _congestionControls = new();

    public StriperServices(ExtendedActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var setup = system.Settings.Setup.Get<StriperSetup>();
        var configured = setup.HasValue ? setup.Value : new StriperSetup();
        LoggerFactory = configured.LoggerFactory;

        // The real scheduler is read through TimeProvider.System: its clock is the same monotonic one, without a hop.
        Clock = configured.Clock ?? (system.Scheduler.GetType().FullName == "Akka.TestKit.TestScheduler"
            ? new SchedulerClock(system.Scheduler)
            : TimeProvider.System);
        UndeliveredBuffers.Start(system);
    }

    public ILoggerFactory LoggerFactory { get; }

    public TimeProvider Clock { get; }

    /// <summary>
    /// What substream sockets get for a striper.tcp.congestion-control value: made, checked against the kernel and
    /// logged the first time a proxy of this system asks, so a process running two proxies (the demo) says it once.
    /// </summary>
    internal SubstreamCongestionControl CongestionControl(string requested) =>
        _congestionControls.GetOrAdd(
            requested,
            name => new Lazy<SubstreamCongestionControl>(() => new SubstreamCongestionControl(name, LoggerFactory.CreateLogger<SubstreamCongestionControl>()))).Value;

    public static StriperServices Get(ActorSystem system) => system.WithExtension<StriperServices, StriperServicesProvider>();
}
