using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Striper.Host.Hosting;

/// <summary>Serilog to standard error (standard output belongs to data and the demo's report).</summary>
internal static class Logging
{
    private static readonly string[] LevelNames = ["verbose", "debug", "information", "warning", "error", "fatal"];

    public static bool TryParseLevel(string text, out LogEventLevel level)
    {
        var index = Array.IndexOf(LevelNames, text.Trim().ToLowerInvariant());
        level = (LogEventLevel)Math.Max(index, 0);
        return index >= 0;
    }

    public static string LevelChoices => string.Join(", ", LevelNames);

    /// <summary>The configured level, one step more verbose per -v, and at least warning with -q.</summary>
    public static LogEventLevel Effective(LogEventLevel configured, int verbose, bool quiet)
    {
        var level = (int)configured - verbose;
        if (quiet)
        {
            level = Math.Max(level, (int)LogEventLevel.Warning);
        }

        return (LogEventLevel)Math.Clamp(level, (int)LogEventLevel.Verbose, (int)LogEventLevel.Fatal);
    }

    public static ILoggerFactory Create(LogEventLevel level)
    {
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)

            // Akka says at information that the actor system is shutting down, on every exit: the user asked for it.
            .MinimumLevel.Override("Akka.Actor.CoordinatedShutdown", LogEventLevel.Warning)

            // Kestrel and the host under the control endpoint: Striper says itself where it listens ("control endpoint
            // on ..."); their start and request chatter would read like the proxy's own.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Warning)

            // The host logs "Hosting failed to start" with a stack when Kestrel cannot bind the control endpoint;
            // Striper catches that failure and says it in one sentence (or, for the default port, runs without it).
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();

        // Akka.Logger.Serilog writes to the static logger: make it this one, so there is one log stream.
        Log.Logger = logger;
        return new SerilogLoggerFactory(logger, dispose: true);
    }
}
