using System.Globalization;
using System.Text;

namespace Striper.Actors.Configuration;

/// <summary>Reads a JSON-style double-quoted string; shared by the tokenizer and path parsing.</summary>
internal static class HoconQuotedString
{
    /// <summary>
    /// Reads the string whose opening quote is at <paramref name="position"/>. On success the position is just past
    /// the closing quote. On failure <paramref name="error"/> says why, in words for the config's author.
    /// </summary>
    public static bool TryRead(string text, ref int position, out string value, out string error)
    {
        var builder = new StringBuilder();
        var i = position + 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                position = i + 1;
                value = builder.ToString();
                error = "";
                return true;
            }

            // A raw line break (LF, or the CR of CRLF) can't be inside a string: the closing quote is missing.
            if (c is '\n' or '\r')
            {
                break;
            }

            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    break;
                }

                var escape = text[i + 1];
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (i + 6 > text.Length
                            || !ushort.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            value = "";
                            error = "invalid \\u escape in string (expected four hex digits, like \\u00e9)";
                            return false;
                        }

                        builder.Append((char)code);
                        i += 4;
                        break;
                    case '\n':
                        value = "";
                        error = "unterminated string";
                        return false;
                    default:
                        value = "";
                        error = $"invalid escape '\\{Printable(escape)}' in string (use \\\\ for a backslash)";
                        return false;
                }

                i += 2;
                continue;
            }

            if (char.IsControl(c) && c != '\t')
            {
                value = "";
                error = $"control character {Printable(c)} in string (use an escape such as \\n)";
                return false;
            }

            builder.Append(c);
            i++;
        }

        value = "";
        error = "unterminated string";
        return false;
    }

    /// <summary>A character as it can be shown in a message: itself, or U+XXXX when invisible.</summary>
    public static string Printable(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
            ? $"U+{(int)c:X4}"
            : c.ToString();
}
