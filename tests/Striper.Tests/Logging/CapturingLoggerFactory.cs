using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Striper.Tests.Logging;

/// <summary>Records every log entry of every category, so tests can assert on what the runtime logs.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly ConcurrentDictionary<string, byte> _categories = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Every category a logger was asked for, logged to or not.</summary>
    public IReadOnlyCollection<string> Categories => [.. _categories.Keys];

    public bool Contains(string fragment) => _entries.Any(e => e.ToString().Contains(fragment, StringComparison.Ordinal));

    /// <summary>Waits (bounded) for an entry containing the fragment, since actors log on their own threads.</summary>
    public async Task<LogEntry> WaitForAsync(string fragment, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var entry = _entries.FirstOrDefault(e => e.ToString().Contains(fragment, StringComparison.Ordinal));
            if (entry is not null)
            {
                return entry;
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"no log entry containing '{fragment}' within the timeout; log was:\n{string.Join('\n', _entries)}");
    }

    public ILogger CreateLogger(string categoryName)
    {
        _categories.TryAdd(categoryName, 0);
        return new CapturingLogger(categoryName, _entries);
    }

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
