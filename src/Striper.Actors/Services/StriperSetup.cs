using Akka.Actor.Setup;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Striper.Actors.Services;

/// <summary>
/// What an actor system hands Striper's actors beyond Akka itself, given when the system is created
/// (<c>BootstrapSetup.Create().And(new StriperSetup(...))</c>, or Akka.Hosting's <c>AddSetup</c>). The actors log
/// through Microsoft.Extensions.Logging because the data path's messages are source-generated
/// (<c>LoggerMessage</c>: nothing is formatted or allocated for a level that is off); in the program that factory and
/// Akka.Logger.Serilog write to the same Serilog logger, so there is one log stream.
/// </summary>
public sealed class StriperSetup : Setup
{
    public StriperSetup(ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
    {
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Clock = clock;
    }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// The clock the actors read (round-trip times, rates, idle checks). Null: the actor system's scheduler decides,
    /// so a test on Akka's <c>TestScheduler</c> moves timers and readings together.
    /// </summary>
    public TimeProvider? Clock { get; }
}
