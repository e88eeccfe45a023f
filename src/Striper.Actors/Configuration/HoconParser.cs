using System.Text;

namespace Striper.Actors.Configuration;

/// <summary>
/// Recursive-descent parser producing a raw tree (substitutions not yet resolved). Duplicate keys are merged as
/// they are read: a later object merges into an earlier one, anything else replaces it.
/// </summary>
internal sealed class HoconParser
{
    /// <summary>
    /// Objects and lists nest at most this deep. The cap keeps every recursive walk of the tree (here, in the
    /// resolver, in merging) far from the stack limit, whatever the input.
    /// </summary>
    public const int MaxDepth = 64;

    private readonly HoconTokenizer _tokens;
    private readonly string _source;

    private HoconParser(string text, string source)
    {
        _tokens = new HoconTokenizer(text, source);
        _source = source;
    }

    public static HoconObject Parse(string text, string source) => new HoconParser(text, source).ParseDocument();

    private HoconObject ParseDocument()
    {
        var root = new HoconObject(Origin(1));
        SkipBlankLines();
        var first = _tokens.Peek();
        if (first.Kind == HoconTokenKind.LeftBrace)
        {
            _tokens.Next();
            ParseObjectBody(root, first.Line, braced: true, depth: 0, path: []);
            SkipBlankLines();
            var extra = _tokens.Peek();
            if (extra.Kind != HoconTokenKind.End)
            {
                throw Error($"unexpected {extra.Describe()} after the '}}' that closes the root object", extra.Line);
            }
        }
        else if (first.Kind == HoconTokenKind.LeftBracket)
        {
            throw Error("the root of a config must be an object, not a list", first.Line);
        }
        else
        {
            ParseObjectBody(root, first.Line, braced: false, depth: 0, path: []);
        }

        return root;
    }

    /// <summary>Reads fields into <paramref name="target"/> until its closing brace (or the end, for the root).</summary>
    private void ParseObjectBody(HoconObject target, int openLine, bool braced, int depth, List<string>? path)
    {
        SkipBlankLines();
        while (true)
        {
            var token = _tokens.Peek();
            switch (token.Kind)
            {
                case HoconTokenKind.End:
                    if (braced)
                    {
                        throw Error($"unclosed '{{' opened at line {openLine}", token.Line);
                    }

                    return;
                case HoconTokenKind.RightBrace:
                    if (braced)
                    {
                        _tokens.Next();
                        return;
                    }

                    throw Error("unexpected '}' with no matching '{'", token.Line);
                case HoconTokenKind.Comma:
                    throw Error("unexpected ',' where a key was expected", token.Line);
            }

            var key = ParseField(target, depth, path);
            SkipSeparator(HoconTokenKind.RightBrace, after => $"expected a line break or ',' after the value of '{key}', found {after.Describe()}");

            SkipBlankLines();
        }
    }

    /// <summary>Reads one <c>key = value</c> or <c>key { ... }</c> and stores it; returns the key as written.</summary>
    private string ParseField(HoconObject target, int depth, List<string>? path)
    {
        var keyToken = _tokens.Peek();
        var segments = ParseKey();
        var keyText = HoconPath.Render(segments);
        var fieldDepth = depth + segments.Count;
        if (fieldDepth > MaxDepth)
        {
            throw TooDeep(keyToken.Line);
        }

        SkipWhitespace();
        var separator = _tokens.Peek();
        switch (separator.Kind)
        {
            case HoconTokenKind.Equals:
            case HoconTokenKind.Colon:
                _tokens.Next();
                SkipWhitespace();
                break;
            case HoconTokenKind.LeftBrace:
                break;
            case HoconTokenKind.PlusEquals:
                throw Error($"'+=' is not supported (after key '{keyText}'); write the whole list with '='", separator.Line);
            case HoconTokenKind.QuotedString when keyText == "include":
                throw Error("include statements are not supported", keyToken.Line);
            default:
                throw Error($"expected '=' or ':' after key '{keyText}'", keyToken.Line);
        }

        List<string>? fullPath = path is null ? null : [.. path, .. segments];
        var origin = Origin(keyToken.Line);
        var container = target;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            if (container.TryGetValue(segments[i], out var existing) && existing is HoconObject existingObject)
            {
                container = existingObject;
            }
            else
            {
                var created = new HoconObject(origin);
                container.Set(segments[i], created);
                container = created;
            }
        }

        var last = segments[^1];
        container.TryGetValue(last, out var previous);
        var valueToken = _tokens.Peek();
        if (valueToken.Kind == HoconTokenKind.LeftBrace)
        {
            // A repeated object key merges: parse straight into the object already there.
            _tokens.Next();
            if (previous is not HoconObject body)
            {
                body = new HoconObject(origin);
                container.Set(last, body);
            }

            ParseObjectBody(body, valueToken.Line, braced: true, fieldDepth, fullPath);
            return keyText;
        }

        var value = ParseValue(fieldDepth, keyText, inList: false);
        switch (value)
        {
            case HoconSubstitution substitution:
                substitution.Previous = previous;
                substitution.OwnerPath = fullPath;
                break;
            case HoconConcatenation concatenation:
                foreach (var part in concatenation.Parts.OfType<HoconSubstitution>())
                {
                    part.Previous = previous;
                    part.OwnerPath = fullPath;
                }

                break;
        }

        container.Set(last, value);
        return keyText;
    }

    /// <summary>
    /// A key is adjacent quoted and unquoted pieces; dots in unquoted pieces split it into a path, dots inside
    /// quotes do not.
    /// </summary>
    private List<string> ParseKey()
    {
        var first = _tokens.Peek();
        if (first.Kind is not (HoconTokenKind.UnquotedText or HoconTokenKind.QuotedString))
        {
            throw Error($"expected a key, found {first.Describe()}", first.Line);
        }

        var segments = new List<string>();
        var current = new StringBuilder();
        var raw = new StringBuilder();
        var hasContent = false;
        while (_tokens.Peek().Kind is HoconTokenKind.UnquotedText or HoconTokenKind.QuotedString)
        {
            var token = _tokens.Next();
            if (token.Kind == HoconTokenKind.QuotedString)
            {
                raw.Append('"').Append(token.Text).Append('"');
                current.Append(token.Text);
                hasContent = true;
                continue;
            }

            raw.Append(token.Text);
            foreach (var c in token.Text)
            {
                if (c != '.')
                {
                    current.Append(c);
                    hasContent = true;
                    continue;
                }

                if (!hasContent)
                {
                    throw Error($"invalid key '{raw}': a key can't start with '.' or contain '..'", token.Line);
                }

                segments.Add(current.ToString());
                current.Clear();
                hasContent = false;
            }
        }

        if (!hasContent)
        {
            throw Error($"invalid key '{raw}': a key can't end with '.'", first.Line);
        }

        segments.Add(current.ToString());
        return segments;
    }

    private HoconValue ParseValue(int depth, string keyText, bool inList)
    {
        if (depth > MaxDepth)
        {
            throw TooDeep(_tokens.Peek().Line);
        }

        var token = _tokens.Peek();
        switch (token.Kind)
        {
            case HoconTokenKind.LeftBrace:
                _tokens.Next();
                var body = new HoconObject(Origin(token.Line));
                ParseObjectBody(body, token.Line, braced: true, depth, path: null);
                return body;
            case HoconTokenKind.LeftBracket:
                return ParseList(depth, keyText);
            case HoconTokenKind.Newline:
            case HoconTokenKind.End:
            case HoconTokenKind.Comma:
            case HoconTokenKind.RightBrace:
            case HoconTokenKind.RightBracket:
                throw inList
                    ? Error($"expected a list element, found {token.Describe()}", token.Line)
                    : Error($"missing value for '{keyText}' (the value must start on the same line as the key)", token.Line);
            default:
                return ParseConcatenation(keyText);
        }
    }

    private HoconList ParseList(int depth, string keyText)
    {
        var open = _tokens.Next();
        var items = new List<HoconValue>();
        SkipBlankLines();
        while (true)
        {
            var token = _tokens.Peek();
            switch (token.Kind)
            {
                case HoconTokenKind.End:
                    throw Error($"unclosed '[' opened at line {open.Line}", token.Line);
                case HoconTokenKind.RightBracket:
                    _tokens.Next();
                    return new HoconList(items, Origin(open.Line));
                case HoconTokenKind.Comma:
                    throw Error("unexpected ',' in a list where an element was expected", token.Line);
            }

            items.Add(ParseValue(depth + 1, keyText, inList: true));
            SkipSeparator(HoconTokenKind.RightBracket, after => $"expected ',' or ']' in the list opened at line {open.Line}, found {after.Describe()}");

            SkipBlankLines();
        }
    }

    /// <summary>
    /// A scalar value runs to the end of the line (or ',', '}', ']'); its pieces are joined, keeping the whitespace
    /// between them and dropping the whitespace after the last one. Substitutions among the pieces make it a
    /// <see cref="HoconConcatenation"/>; a substitution on its own stays a <see cref="HoconSubstitution"/>.
    /// </summary>
    private HoconValue ParseConcatenation(string keyText)
    {
        var line = _tokens.Peek().Line;
        var parts = new List<HoconValue>();
        var text = new StringBuilder();
        string? pendingWhitespace = null;
        var pieces = 0;
        var onlyUnquoted = true;
        while (true)
        {
            var token = _tokens.Peek();
            switch (token.Kind)
            {
                case HoconTokenKind.Whitespace:
                    pendingWhitespace = token.Text;
                    _tokens.Next();
                    continue;
                case HoconTokenKind.QuotedString:
                case HoconTokenKind.UnquotedText:
                case HoconTokenKind.Equals:
                case HoconTokenKind.Colon:
                case HoconTokenKind.PlusEquals:
                    if (pieces > 0 && pendingWhitespace is not null)
                    {
                        text.Append(pendingWhitespace);
                    }

                    pendingWhitespace = null;
                    text.Append(token.Text);
                    onlyUnquoted &= token.Kind != HoconTokenKind.QuotedString;
                    pieces++;
                    _tokens.Next();
                    continue;
                case HoconTokenKind.Substitution:
                    if (pieces > 0 && pendingWhitespace is not null)
                    {
                        text.Append(pendingWhitespace);
                    }

                    pendingWhitespace = null;
                    if (text.Length > 0)
                    {
                        parts.Add(new HoconScalar(text.ToString(), Origin(line)));
                        text.Clear();
                    }

                    if (!HoconPath.TryParse(token.Text, out var path))
                    {
                        throw Error($"invalid substitution {token.Describe()}: expected a path such as ${{striper.port}} or ${{?STRIPER_PORT}}", token.Line);
                    }

                    parts.Add(new HoconSubstitution(path, token.IsOptional, Origin(token.Line)));
                    pieces++;
                    _tokens.Next();
                    continue;
                case HoconTokenKind.LeftBrace:
                case HoconTokenKind.LeftBracket:
                    throw Error($"unexpected '{token.Text}' in the value of '{keyText}' (put text containing it in quotes)", token.Line);
            }

            break;
        }

        if (parts.Count == 0)
        {
            var value = text.ToString();
            return new HoconScalar(value, Origin(line), isNull: onlyUnquoted && pieces == 1 && value == "null");
        }

        if (parts.Count == 1 && pieces == 1)
        {
            return parts[0];
        }

        if (text.Length > 0)
        {
            parts.Add(new HoconScalar(text.ToString(), Origin(line)));
        }

        return new HoconConcatenation(parts, Origin(line));
    }

    private void SkipWhitespace()
    {
        while (_tokens.Peek().Kind == HoconTokenKind.Whitespace)
        {
            _tokens.Next();
        }
    }

    /// <summary>After a value: a comma (consumed), a line break, the end, or the closer; anything else is an error.</summary>
    private void SkipSeparator(HoconTokenKind closer, Func<HoconToken, string> describeError)
    {
        SkipWhitespace();
        var after = _tokens.Peek();
        if (after.Kind == HoconTokenKind.Comma)
        {
            _tokens.Next();
        }
        else if (after.Kind != HoconTokenKind.Newline && after.Kind != HoconTokenKind.End && after.Kind != closer)
        {
            throw Error(describeError(after), after.Line);
        }
    }

    private void SkipBlankLines()
    {
        while (_tokens.Peek().Kind is HoconTokenKind.Whitespace or HoconTokenKind.Newline)
        {
            _tokens.Next();
        }
    }

    private HoconOrigin Origin(int line) => new(_source, line);

    private HoconException Error(string message, int line) => _tokens.Error(message, line);

    private HoconException TooDeep(int line) =>
        Error($"objects and lists are nested more than {MaxDepth} levels deep", line);
}
