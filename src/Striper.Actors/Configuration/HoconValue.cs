namespace Striper.Actors.Configuration;

/// <summary>A node of a parsed configuration tree. Identity matters: the resolver memoizes by reference.</summary>
internal abstract class HoconValue
{
    private static readonly int MaxDescribedLength = 60;

    protected HoconValue(HoconOrigin? origin)
    {
        Origin = origin;
    }

    /// <summary>Where the value was written; null only for synthetic values such as the empty root.</summary>
    public HoconOrigin? Origin { get; }

    /// <summary>How the value reads in an error message ("got 'eight'", "got a list").</summary>
    public string Describe()
    {
        switch (this)
        {
            case HoconScalar { IsNull: true }:
                return "null";
            case HoconScalar scalar:
                var text = scalar.Text.Length > MaxDescribedLength
                    ? string.Concat(scalar.Text.AsSpan(0, MaxDescribedLength), "...")
                    : scalar.Text;
                return $"'{EscapeControls(text)}'";
            case HoconObject:
                return "an object";
            case HoconList:
                return "a list";
            default:
                return "an unresolved substitution";
        }
    }

    /// <summary>Keeps a message on one line: control characters in a value are shown as escapes.</summary>
    internal static string EscapeControls(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                '\r' => builder.Append("\\r"),
                _ when char.IsControl(c) => builder.Append(HoconQuotedString.Printable(c)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
