using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Striper.Tests.TestKit;

/// <summary>Records every log entry of every category, so tests can assert on what the runtime logs.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
