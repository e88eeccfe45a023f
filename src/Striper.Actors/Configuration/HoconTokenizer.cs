namespace Striper.Actors.Configuration;

/// <summary>
/// Splits configuration text into tokens on demand, with one token of lookahead. Comments are dropped here; the
/// line break that ends them is kept because line breaks separate fields.
/// </summary>
internal sealed class HoconTokenizer
{
    private readonly string _text;
    private readonly string _source;
    private int _position;
    private int _line = 1;
    private HoconToken? _peeked;

    public HoconTokenizer(string text, string source)
    {
        _text = text;
        _source = source;
    }

    public string Source => _source;

    public HoconToken Peek() => _peeked ??= Read();

    public HoconToken Next()
    {
        var token = Peek();
        _peeked = null;
        return token;
    }

    public HoconException Error(string message, int line, string? path = null) =>
        new(message, new HoconOrigin(_source, line), path);

    private HoconToken Read()
    {
        SkipComment();
        if (_position >= _text.Length)
        {
            return new HoconToken(HoconTokenKind.End, "", _line);
        }

        var start = _position;
        var c = _text[_position];
        switch (c)
        {
            case '\n':
                _position++;
                return new HoconToken(HoconTokenKind.Newline, "\n", _line++);
            case '{': return Punctuation(HoconTokenKind.LeftBrace);
            case '}': return Punctuation(HoconTokenKind.RightBrace);
            case '[': return Punctuation(HoconTokenKind.LeftBracket);
            case ']': return Punctuation(HoconTokenKind.RightBracket);
            case ',': return Punctuation(HoconTokenKind.Comma);
            case '=': return Punctuation(HoconTokenKind.Equals);
            case ':': return Punctuation(HoconTokenKind.Colon);
            case '"':
                if (!HoconQuotedString.TryRead(_text, ref _position, out var value, out var error))
                {
                    throw Error(error, _line);
                }

                return new HoconToken(HoconTokenKind.QuotedString, value, _line);
        }

        if (c == '+' && At(1) == '=')
        {
            _position += 2;
            return new HoconToken(HoconTokenKind.PlusEquals, "+=", _line);
        }

        if (c == '$' && At(1) == '{')
        {
            return ReadSubstitution();
        }

        if (IsWhitespace(c))
        {
            while (_position < _text.Length && IsWhitespace(_text[_position]))
            {
                _position++;
            }

            return new HoconToken(HoconTokenKind.Whitespace, _text[start.._position], _line);
        }

        if (char.IsControl(c))
        {
            throw Error($"unexpected control character {HoconQuotedString.Printable(c)} (is this a binary file?)", _line);
        }

        // The first character never ends a run (every such character was handled above), so this always advances.
        _position++;
        while (_position < _text.Length && !EndsUnquoted(_text[_position]))
        {
            _position++;
        }

        return new HoconToken(HoconTokenKind.UnquotedText, _text[start.._position], _line);
    }

    private HoconToken Punctuation(HoconTokenKind kind)
    {
        var token = new HoconToken(kind, _text[_position].ToString(), _line);
        _position++;
        return token;
    }

    private HoconToken ReadSubstitution()
    {
        var line = _line;
        _position += 2;
        var isOptional = At(0) == '?';
        if (isOptional)
        {
            _position++;
        }

        var start = _position;
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c == '}')
            {
                var path = _text[start.._position];
                _position++;
                return new HoconToken(HoconTokenKind.Substitution, path, line, isOptional);
            }

            if (c == '\n')
            {
                break;
            }

            if (c == '"')
            {
                if (!HoconQuotedString.TryRead(_text, ref _position, out _, out var error))
                {
                    throw Error(error, line);
                }

                continue;
            }

            _position++;
        }

        throw Error("unterminated substitution: '${' without a closing '}' on the same line", line);
    }

    private void SkipComment()
    {
        if (At(0) == '#' || (At(0) == '/' && At(1) == '/'))
        {
            while (_position < _text.Length && _text[_position] != '\n')
            {
                _position++;
            }
        }
    }

    /// <summary>Whether the character at the current position ends an unquoted run.</summary>
    private bool EndsUnquoted(char c) =>
        c is '\n' or '{' or '}' or '[' or ']' or ',' or '=' or ':' or '"' or '#'
        || IsWhitespace(c)
        || char.IsControl(c)
        || (c == '/' && At(1) == '/')
        || (c == '$' && At(1) == '{')
        || (c == '+' && At(1) == '=');

    private char At(int offset) => _position + offset < _text.Length ? _text[_position + offset] : '\0';

    private static bool IsWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');
}
