using Microsoft.Extensions.Logging;

namespace Striper.Tests.Logging;

public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
