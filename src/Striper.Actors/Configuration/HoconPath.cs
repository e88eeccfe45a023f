using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Striper.Actors.Configuration;

/// <summary>
/// Path expressions such as <c>striper.chunk-size</c> or <c>peers."host.example".port</c>: dot-separated keys,
/// where a quoted key may contain dots.
/// </summary>
internal static class HoconPath
{
    public static bool TryParse(string text, [NotNullWhen(true)] out List<string>? segments)
    {
        segments = null;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }

        var result = new List<string>();
        var current = new StringBuilder();
        var currentHasContent = false;
        var i = 0;
        while (i < trimmed.Length)
        {
            var c = trimmed[i];
            if (c == '.')
            {
                if (!currentHasContent)
                {
                    return false;
                }

                result.Add(current.ToString());
                current.Clear();
                currentHasContent = false;
                i++;
            }
            else if (c == '"')
            {
                if (!HoconQuotedString.TryRead(trimmed, ref i, out var quoted, out _))
                {
                    return false;
                }

                current.Append(quoted);
                currentHasContent = true;
            }
            else if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
            else
            {
                current.Append(c);
                currentHasContent = true;
                i++;
            }
        }

        if (!currentHasContent)
        {
            return false;
        }

        result.Add(current.ToString());
        segments = result;
        return true;
    }

    /// <summary>Renders segments so that <see cref="TryParse"/> gives them back: keys needing it are quoted.</summary>
    public static string Render(IEnumerable<string> segments) => string.Join('.', segments.Select(RenderSegment));

    public static string Join(string? prefix, string segment) =>
        string.IsNullOrEmpty(prefix) ? RenderSegment(segment) : $"{prefix}.{RenderSegment(segment)}";

    public static string RenderSegment(string segment)
    {
        if (segment.Length > 0 && segment.All(c => char.IsLetterOrDigit(c) || c is '-' or '_'))
        {
            return segment;
        }

        var builder = new StringBuilder(segment.Length + 2);
        builder.Append('"');
        foreach (var c in segment)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
        return builder.ToString();
    }
}
