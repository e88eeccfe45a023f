using Akka.Configuration;
using Striper.Actors.Settings;

namespace Striper.Host.Hosting;

/// <summary>
/// <c>striper.inline-socket-completions</c>: lets the runtime's socket event thread run what follows a completed
/// socket operation itself instead of queueing it to the thread pool. Every await in a leg's receive and send loops
/// then saves a thread hand-off, which on the unthrottled relay benchmark was about 5 % of the CPU per byte and
/// moved Striper from parity with socat to 5-8 % above it (bench/README.md). It is safe here because nothing that
/// runs after a socket await blocks: the loops hand bytes to actors with Tell and go back to the socket.
/// </summary>
internal static class SocketEngineTuning
{
    /// <summary>The runtime reads this variable once, when the first asynchronous socket operation starts.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Applies the setting; must run before the process's first socket operation. A variable the user set wins.</summary>
    public static void Apply(Config config) =>
        Apply(config, Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);

    /// <summary>The same against a given environment (tests must not change the real one under other tests).</summary>
    public static void Apply(Config config, Func<string, string?> get, Action<string, string> set)
    {
        var inline = ConfigValues.GetBoolean(config, "striper.inline-socket-completions");
        if (get(InlineCompletionsVariable) is null)
        {
            set(InlineCompletionsVariable, inline ? "1" : "0");
        }
    }
}
