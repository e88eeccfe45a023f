using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconErrorTests
{
    private static HoconException ParseError(string text) =>
        Assert.Throws<HoconException>(() => HoconConfig.Parse(text, "my.conf", _ => null));

    [Theory]
    [InlineData("a = 1\n\n\n\n\n\nstripes 8", "my.conf:7: expected '=' or ':' after key 'stripes'")]
    [InlineData("a = 1\nb = 2\nc = \"abc", "my.conf:3: unterminated string")]
    [InlineData("a = \"abc\ndef\"", "my.conf:1: unterminated string")]
    [InlineData("a = 1\r\nb = \"abc\r\nc = 2", "my.conf:2: unterminated string")]
    [InlineData("x = 1\n\n\na {\n  b = 1\n\n\n\n", "my.conf:9: unclosed '{' opened at line 4")]
    [InlineData("a = [1,\n2", "my.conf:2: unclosed '[' opened at line 1")]
    [InlineData("a = 1\n}", "my.conf:2: unexpected '}' with no matching '{'")]
    [InlineData("{ a = 1 }\nb = 2", "my.conf:2: unexpected 'b' after the '}' that closes the root object")]
    [InlineData("[1, 2]", "my.conf:1: the root of a config must be an object, not a list")]
    [InlineData("a =\n1", "my.conf:1: missing value for 'a' (the value must start on the same line as the key)")]
    [InlineData("a = ", "my.conf:1: missing value for 'a' (the value must start on the same line as the key)")]
    [InlineData("= 1", "my.conf:1: expected a key, found '='")]
    [InlineData("a = 1,, b = 2", "my.conf:1: unexpected ',' where a key was expected")]
    [InlineData("a = [1,, 2]", "my.conf:1: unexpected ',' in a list where an element was expected")]
    [InlineData("a = [1 }", "my.conf:1: expected ',' or ']' in the list opened at line 1, found '}'")]
    [InlineData("a = \"x\" { }", "my.conf:1: unexpected '{' in the value of 'a' (put text containing it in quotes)")]
    [InlineData("b { }\na = ${b} { c = 1 }", "my.conf:2: unexpected '{' in the value of 'a' (put text containing it in quotes)")]
    [InlineData("a = [1] [2]", "my.conf:1: expected a line break or ',' after the value of 'a', found '['")]
    [InlineData("a..b = 1", "my.conf:1: invalid key 'a..b': a key can't start with '.' or contain '..'")]
    [InlineData("a. = 1", "my.conf:1: invalid key 'a.': a key can't end with '.'")]
    [InlineData("a = \"bad \\q escape\"", "my.conf:1: invalid escape '\\q' in string (use \\\\ for a backslash)")]
    [InlineData("a = \"\\u12\"", "my.conf:1: invalid \\u escape in string (expected four hex digits, like \\u00e9)")]
    [InlineData("a = ${b", "my.conf:1: unterminated substitution: '${' without a closing '}' on the same line")]
    [InlineData("a = ${b..c}", "my.conf:1: invalid substitution ${b..c}: expected a path such as ${striper.port} or ${?STRIPER_PORT}")]
    [InlineData("a = ${}", "my.conf:1: invalid substitution ${}: expected a path such as ${striper.port} or ${?STRIPER_PORT}")]
    [InlineData("list += 1", "my.conf:1: '+=' is not supported (after key 'list'); write the whole list with '='")]
    [InlineData("include \"other.conf\"", "my.conf:1: include statements are not supported")]
    [InlineData("a = 1\nb = \u0001", "my.conf:2: unexpected control character U+0001 (is this a binary file?)")]
    public void Parse_errors_should_start_with_file_and_line(string text, string expected)
    {
        var error = ParseError(text);

        Assert.Equal(expected, error.Message);
        Assert.NotNull(error.Origin);
        Assert.Equal("my.conf", error.Origin.Source);
    }

    [Fact]
    public void ParseFile_should_report_a_missing_file_by_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"striper-missing-{Guid.NewGuid():N}.conf");

        var error = Assert.Throws<HoconException>(() => HoconConfig.ParseFile(path));

        Assert.Equal($"config file not found: {path}", error.Message);
    }

    [Fact]
    public void ParseFile_should_use_the_path_as_the_source_of_errors_and_origins()
    {
        var path = Path.Combine(Path.GetTempPath(), $"striper-{Guid.NewGuid():N}.conf");
        try
        {
            File.WriteAllText(path, "\uFEFFstripes = 8\nchunk = 12 parsecs\n");

            var config = HoconConfig.ParseFile(path, _ => null);

            Assert.Equal(8, config.GetInt("stripes"));
            Assert.Equal(new HoconOrigin(path, 1), config.OriginOf("stripes"));
            Assert.Equal($"{path}:2: chunk: expected a size like 64KiB, got '12 parsecs'", Assert.Throws<HoconException>(() => config.GetByteSize("chunk")).Message);

            File.WriteAllText(path, "a = 1\nb {\n");
            Assert.Equal($"{path}:3: unclosed '{{' opened at line 2", Assert.Throws<HoconException>(() => HoconConfig.ParseFile(path, _ => null)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParseFile_should_reject_a_binary_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"striper-{Guid.NewGuid():N}.conf");
        try
        {
            File.WriteAllBytes(path, [0x61, 0x20, 0x3D, 0x20, 0xFF, 0xFE, 0xC3, 0x28, 0x00]);

            var error = Assert.Throws<HoconException>(() => HoconConfig.ParseFile(path, _ => null));

            Assert.Equal($"{path}: not a text file (it is not valid UTF-8)", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Errors_quoting_a_key_with_an_escaped_line_break_should_stay_on_one_line()
    {
        // Found by the fuzzer: the quoted key's decoded newline went into the message as is, splitting the CLI's sentence.
        var error = Assert.Throws<HoconException>(() => HoconConfig.Parse("\"a\\nforged: line\". = 1", "evil.conf"));

        Assert.Equal("evil.conf:1: invalid key '\"a\\nforged: line\".': a key can't end with '.'", error.Message);
    }
}
