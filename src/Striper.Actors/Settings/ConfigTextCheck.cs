using System.Text;
using System.Text.RegularExpressions;

namespace Striper.Actors.Settings;

/// <summary>
/// One pass over configuration text before Akka's HOCON parser sees it, for two reasons.
/// <para>
/// Akka's parser (Akka 1.5's <c>Akka.Configuration.Hocon</c>) is lenient where a typo is likely and unsafe where a
/// hostile or garbled file is: a list missing its <c>]</c> before the next <c>key = value</c> makes it loop
/// forever, as do <c>}</c> or a lone <c>$</c> inside a list; an unclosed <c>{</c> or string is silently accepted.
/// So brackets must balance, strings must close, nesting is bounded and those tokens are refused here, each with
/// the line, before parsing.
/// </para>
/// <para>
/// Akka's parser does not read environment variables: <c>${?NAME}</c> is left unresolved and, worse, wipes the
/// value written before it. So an optional substitution whose name is an environment variable's (capitals, digits
/// and underscores) is replaced here by the variable's value, quoted; when the variable is not set, a line that is
/// just <c>key = ${?NAME}</c> is dropped, so the value before it stands, as HOCON means.
/// </para>
/// Lines are never added or removed (a dropped line keeps its line break), so Akka's positions still count lines.
/// </summary>
internal static partial class ConfigTextCheck
{
    /// <summary>Far beyond any real file (Akka's own reference config nests 7 deep), far below a stack overflow.</summary>
    public const int MaxDepth = 64;

    /// <summary>Akka follows a chain of substitutions by recursion; a bound on how many there are bounds the chain.</summary>
    public const int MaxSubstitutions = 1000;

    public static string Prepare(string text, string source, Func<string, string?> environment)
    {
        var output = new StringBuilder(text.Length);
        var openers = new Stack<(char Bracket, int Line)>();
        var line = 1;
        var lineStart = 0;
        var outputLineStart = 0;
        var dots = 0;
        var substitutions = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                output.Append(c);
                i++;
                line++;
                lineStart = i;
                outputLineStart = output.Length;
                dots = 0;
                continue;
            }

            if (c == '#' || (c == '/' && At(text, i, "//")))
            {
                var end = text.IndexOf('\n', i);
                end = end < 0 ? text.Length : end;
                output.Append(text, i, end - i);
                i = end;
                continue;
            }

            if (At(text, i, "\"\"\""))
            {
                var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw Error(source, line, "unclosed \"\"\" string");
                }

                // HOCON lets a triple-quoted string end in more quotes; they belong to the string.
                end += 3;
                while (end < text.Length && text[end] == '"')
                {
                    end++;
                }

                var inner = text.AsSpan(i, end - i);
                line += inner.Count('\n');
                var lastBreak = inner.LastIndexOf('\n');
                if (lastBreak >= 0)
                {
                    lineStart = i + lastBreak + 1;
                    output.Append(inner);
                    outputLineStart = output.Length - (end - lineStart);
                }
                else
                {
                    output.Append(inner);
                }

                i = end;
                continue;
            }

            if (c == '"')
            {
                var end = EndOfQuoted(text, i);
                if (end < 0)
                {
                    throw Error(source, line, "unclosed quoted string (a string in \"quotes\" must end on its line)");
                }

                output.Append(text, i, end - i);
                i = end;
                continue;
            }

            switch (c)
            {
                case '{' or '[':
                    openers.Push((c, line));
                    if (openers.Count > MaxDepth)
                    {
                        throw Error(source, line, $"nested deeper than {MaxDepth} levels");
                    }

                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (openers.Count == 0)
                    {
                        throw Error(source, line, $"'{c}' without an opening '{expected}'");
                    }

                    var (open, openLine) = openers.Pop();
                    if (open != expected)
                    {
                        throw Error(source, line, $"'{c}' closes the '{open}' opened at line {openLine}");
                    }

                    break;
                case '=' or ':' when openers.TryPeek(out var top) && top.Bracket == '[':
                    throw Error(source, line, $"'{c}' inside the list opened at line {top.Line} (is a ']' missing?)");
                case '.':
                    if (++dots > MaxDepth)
                    {
                        throw Error(source, line, $"a key of more than {MaxDepth} parts");
                    }

                    break;
                case ' ' or '\t' or ',' or '\r':
                    dots = 0;
                    break;
                case '$':
                    var close = text.IndexOf('}', i);
                    var lineEnd = text.IndexOf('\n', i);
                    if (!At(text, i, "${") || close < 0 || (lineEnd >= 0 && close > lineEnd))
                    {
                        throw Error(source, line, "'$' outside quotes that does not start a substitution ${path} on its line");
                    }

                    if (++substitutions > MaxSubstitutions)
                    {
                        throw Error(source, line, $"more than {MaxSubstitutions} substitutions");
                    }

                    var name = text[(i + 2)..close];
                    if (name.StartsWith('?') && EnvironmentName().IsMatch(name[1..]))
                    {
                        var value = environment(name[1..]);
                        if (value is not null)
                        {
                            output.Append(Quote(value));
                            i = close + 1;
                            continue;
                        }

                        var rest = lineEnd < 0 ? text[(close + 1)..] : text[(close + 1)..lineEnd];
                        if (!WholeValueBefore().IsMatch(text.AsSpan(lineStart, i - lineStart)) || !NothingAfter().IsMatch(rest))
                        {
                            throw Error(source, line, $"environment variable {name[1..]} is not set, and ${{{name}}} is not the whole value of a 'key = ${{{name}}}' line, the one place it may then be left out");
                        }

                        // Drop the assignment: the value an earlier line gave stands. Its line break stays.
                        output.Length = outputLineStart;
                        i = lineEnd < 0 ? text.Length : lineEnd;
                        continue;
                    }

                    if (name.StartsWith('?'))
                    {
                        // Akka resolves ${?path} to the wrong value (the setting it is written in) rather than the path.
                        throw Error(source, line, $"${{{name}}}: an optional substitution must name an environment variable (capitals, digits and _); write ${{{name[1..]}}} for a setting");
                    }

                    // Any other substitution is Akka's to resolve, against the document.
                    output.Append(text, i, close + 1 - i);
                    i = close + 1;
                    continue;
            }

            output.Append(c);
            i++;
        }

        if (openers.Count > 0)
        {
            var (open, openLine) = openers.Peek();
            throw Error(source, line, $"unclosed '{open}' opened at line {openLine}");
        }

        return output.ToString();
    }

    private static bool At(string text, int index, string token) =>
        string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    /// <summary>Index just past the closing quote, or -1 when the line (or text) ends first.</summary>
    private static int EndOfQuoted(string text, int start)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\':
                    i++;
                    break;
                case '"':
                    return i + 1;
                case '\n':
                    return -1;
            }
        }

        return -1;
    }

    /// <summary>A JSON-style quoted string, which Akka's parser reads back as exactly the text.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                _ when char.IsControl(c) => quoted.Append(FormattableString.Invariant($"\\u{(int)c:x4}")),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static ConfigException Error(string source, int line, string message) => new(FormattableString.Invariant($"{source}:{line}: {message}"));

    [GeneratedRegex("^[A-Z_][A-Z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("""^\s*[A-Za-z0-9_.\-"]+\s*[=:]\s*$""")]
    private static partial Regex WholeValueBefore();

    [GeneratedRegex(@"^\s*,?\s*(#.*|//.*)?\r?$")]
    private static partial Regex NothingAfter();
}
