using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Striper.Tests.Logging;

/// <summary>A logger of <see cref="CapturingLoggerFactory"/>: every level enabled, entries formatted eagerly.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly string _category;
    private readonly ConcurrentQueue<LogEntry> _entries;

    public CapturingLogger(string category, ConcurrentQueue<LogEntry> entries)
    {
        _category = category;
        _entries = entries;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new LogEntry(_category, logLevel, eventId, formatter(state, exception), exception));
}
