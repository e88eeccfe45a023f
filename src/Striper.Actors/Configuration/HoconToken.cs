namespace Striper.Actors.Configuration;

/// <summary>
/// One token. <see cref="Text"/> is the decoded content for strings, the path expression for substitutions and
/// the source text for everything else (so unquoted values can be rebuilt exactly).
/// </summary>
internal sealed class HoconToken
{
    public HoconToken(HoconTokenKind kind, string text, int line, bool isOptional = false)
    {
        Kind = kind;
        Text = text;
        Line = line;
        IsOptional = isOptional;
    }

    public HoconTokenKind Kind { get; }

    public string Text { get; }

    public int Line { get; }

    /// <summary>For substitutions: <c>${?...}</c> rather than <c>${...}</c>.</summary>
    public bool IsOptional { get; }

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        HoconTokenKind.End => "the end of the file",
        HoconTokenKind.Newline => "a line break",
        HoconTokenKind.QuotedString => $"\"{Text}\"",
        HoconTokenKind.Substitution => $"${{{(IsOptional ? "?" : "")}{Text}}}",
        _ => $"'{Text}'",
    };
}
