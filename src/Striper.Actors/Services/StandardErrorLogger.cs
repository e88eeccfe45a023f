using Akka.Event;

namespace Striper.Actors.Services;

/// <summary>
/// Akka's minimal logger, the one it uses before its configured loggers start and after they stop, writing to
/// standard error instead of standard output: standard output carries tunnel data (<c>striper msp connect</c> in
/// stdio mode) and the demo's report, and one stray line there would corrupt them.
/// </summary>
public sealed class StandardErrorLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Console.Error.WriteLine(message is LogEvent logEvent ? logEvent.ToString() : message.ToString());
    }
}
