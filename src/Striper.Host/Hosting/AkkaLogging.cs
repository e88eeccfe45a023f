using Akka.Configuration;
using Serilog.Events;

namespace Striper.Host.Hosting;

/// <summary>
/// Akka's own log (lifecycle, supervision, dead letters) goes to the same Serilog logger as Striper's, through
/// Akka.Logger.Serilog, at the level <c>striper.log.level</c>, <c>-v</c> and <c>-q</c> give: one log stream on
/// standard error. Dead letters are normal when a connection closes with chunks in flight (their buffers go back
/// to the pool through Striper.Actors.Buffers.UndeliveredBuffers), so they are logged only at debug.
/// </summary>
internal static class AkkaLogging
{
    public static Akka.Event.LogLevel LevelFor(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogEventLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogEventLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };

    /// <summary>
    /// The Akka settings that follow from the log level, over what the user's <c>akka { }</c> block says: one level
    /// governs both logs. Akka's minimal logger (before Serilog's starts, after it stops) says only what went wrong.
    /// </summary>
    public static Config For(LogEventLevel level) => ConfigurationFactory.ParseString($"""
        akka.loglevel = {HoconName(LevelFor(level))}
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = {(level <= LogEventLevel.Debug ? "10" : "off")}
        akka.log-dead-letters-during-shutdown = off
        """);

    private static string HoconName(Akka.Event.LogLevel level) => level switch
    {
        Akka.Event.LogLevel.DebugLevel => "DEBUG",
        Akka.Event.LogLevel.InfoLevel => "INFO",
        Akka.Event.LogLevel.WarningLevel => "WARNING",
        _ => "ERROR",
    };
}
