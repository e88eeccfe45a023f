using Microsoft.Extensions.Logging;

namespace Striper.Tests.TestKit;

public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
