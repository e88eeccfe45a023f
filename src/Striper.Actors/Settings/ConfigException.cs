using System.Globalization;
using System.Text;

namespace Striper.Actors.Settings;

/// <summary>
/// A configuration that cannot be used: text Akka's HOCON parser refused, or a setting whose value is wrong. The
/// message is one sentence for whoever wrote the file. It is always one line (control characters from the file are
/// shown as escapes), so a hostile file cannot forge lines in a log or on standard error.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
        : base("invalid configuration")
    {
        Paths = [];
    }

    public ConfigException(string message)
        : this(message, [], innerException: null)
    {
    }

    public ConfigException(string message, Exception innerException)
        : this(message, [], innerException)
    {
    }

    /// <param name="paths">The settings the message is about, so the caller can say which file set them.</param>
    public ConfigException(string message, IReadOnlyList<string> paths, Exception? innerException = null)
        : base(OneLine(message), innerException)
    {
        Paths = paths;
    }

    /// <summary>The settings involved (the first is the one the message starts with); empty for a syntax error.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The same error, its message starting with the file that set the value.</summary>
    public ConfigException In(string source) => new($"{source}: {Message}", Paths, this);

    /// <summary>Keeps a message on one line: control characters in a value are shown as escapes.</summary>
    internal static string OneLine(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                '\r' => builder.Append("\\r"),
                _ when char.IsControl(c) => builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
