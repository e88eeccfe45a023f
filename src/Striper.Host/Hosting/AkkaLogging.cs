using Akka.Configuration;
using Serilog.Events;

namespace Striper.Host.Hosting;

/// <summary>
/// Akka's own log (lifecycle, supervision, dead letters) goes to the same Serilog logger as Striper's, through
/// Akka.Logger.Serilog, at the level <c>striper.log.level</c>, <c>-v</c> and <c>-q</c> give: one log stream on
/// standard error. Dead letters are normal when a connection closes with chunks in flight (their buffers go back
/// to the pool through <see cref="Striper.Actors.Buffers.UndeliveredBuffers"/>), so they are logged only at debug.
/// </summary>
internal static class AkkaLogging
{
    public static Config For(LogEventLevel level)
    {
        var akkaLevel = level switch
        {
            LogEventLevel.Verbose or LogEventLevel.Debug => "DEBUG",
            LogEventLevel.Information => "INFO",
            LogEventLevel.Warning => "WARNING",
            _ => "ERROR",
        };
        var deadLetters = level <= LogEventLevel.Debug ? "10" : "off";
        return ConfigurationFactory.ParseString($"""
            akka.loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
            akka.logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
            akka.loglevel = {akkaLevel}
            akka.log-dead-letters = {deadLetters}
            akka.log-dead-letters-during-shutdown = off
            """);
    }
}
