using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Striper.Actors.Runtime;

public sealed record ActorSystemOptions
{
    /// <summary>Clock for timers, Ask timeouts and restart windows; tests inject a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// User messages one actor may process per mailbox run before giving its thread back, so a flooded
    /// actor cannot starve the others.
    /// </summary>
    public int Throughput { get; init; } = 30;
}
