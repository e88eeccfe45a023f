namespace Striper.Actors.Configuration;

internal enum HoconTokenKind
{
    End,
    Newline,
    Whitespace,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Equals,
    Colon,
    PlusEquals,
    QuotedString,
    UnquotedText,
    Substitution,
}
