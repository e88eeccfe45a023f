using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconSyntaxTests
{
    private static HoconConfig Parse(string text) => HoconConfig.Parse(text, "test.conf", _ => null);

    [Fact]
    public void Parser_should_read_nested_objects_without_root_braces()
    {
        var config = Parse("""
            striper {
              listen { port = 7000 }
              name = proxy
            }
            """);

        Assert.Equal(7000, config.GetInt("striper.listen.port"));
        Assert.Equal("proxy", config.GetString("striper.name"));
    }

    [Fact]
    public void Parser_should_read_the_example_in_the_configuration_docs()
    {
        var config = HoconConfig.Parse("""
            # Comments start with # or //.
            striper {
              stripes = 8                      # '=' or ':' separate key and value
              chunk-size: 64KiB
              listen { host = "0.0.0.0", port = 7000 }   # object without a separator
              timeouts.connect = 5s            # dotted keys build nested objects
              peers = [
                "a.example:7000"               # lists: commas or line breaks between elements
                { host = b.example, port = 7000 }
              ]
              port = ${?STRIPER_PORT}          # environment override, ignored when unset
              banner = "striper on "${striper.listen.host}
            }
            """, "CONFIG.md", name => name == "STRIPER_PORT" ? "7100" : null);

        Assert.Equal(8, config.GetInt("striper.stripes"));
        Assert.Equal(65_536L, config.GetByteSize("striper.chunk-size"));
        Assert.Equal(7000, config.GetInt("striper.listen.port"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("striper.timeouts.connect"));
        Assert.Equal(7100, config.GetInt("striper.port"));
        Assert.Equal("striper on 0.0.0.0", config.GetString("striper.banner"));
        Assert.Equal(
            ["striper.stripes", "striper.chunk-size", "striper.listen.host", "striper.listen.port", "striper.timeouts.connect", "striper.peers", "striper.port", "striper.banner"],
            config.LeafPaths());
    }

    [Fact]
    public void Parser_should_accept_root_braces()
    {
        var config = Parse("{ a = 1, b { c = 2 } }");

        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b.c"));
    }

    [Fact]
    public void Parser_should_accept_equals_colon_and_object_without_separator()
    {
        var config = Parse("""
            a = 1
            b : 2
            c { d = 3 }
            e = { f = 4 }
            g : { h = 5 }
            """);

        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b"));
        Assert.Equal(3, config.GetInt("c.d"));
        Assert.Equal(4, config.GetInt("e.f"));
        Assert.Equal(5, config.GetInt("g.h"));
    }

    [Fact]
    public void Parser_should_merge_dotted_keys_into_objects()
    {
        var config = Parse("""
            a.b.c = 1
            a.b.d = 2
            a { b { e = 3 } }
            a.f = 4
            """);

        Assert.Equal(1, config.GetInt("a.b.c"));
        Assert.Equal(2, config.GetInt("a.b.d"));
        Assert.Equal(3, config.GetInt("a.b.e"));
        Assert.Equal(4, config.GetInt("a.f"));
        Assert.Equal(["a.b.c", "a.b.d", "a.b.e", "a.f"], config.LeafPaths());
    }

    [Fact]
    public void Parser_should_keep_dots_inside_quoted_keys()
    {
        var config = Parse("""
            peers."host.example".port = 9000
            "with space" = yes
            """);

        Assert.Equal(9000, config.GetInt("peers.\"host.example\".port"));
        Assert.True(config.GetBoolean("\"with space\""));
        Assert.Equal(["peers.\"host.example\".port", "\"with space\""], config.LeafPaths());
    }

    [Fact]
    public void Parser_should_ignore_hash_and_double_slash_comments()
    {
        var config = Parse("""
            # a comment
            a = 1 # trailing
            // another comment
            b = two // trailing
            c = "not # a comment"
            """);

        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal("two", config.GetString("b"));
        Assert.Equal("not # a comment", config.GetString("c"));
    }

    [Fact]
    public void Parser_should_decode_escapes_in_quoted_strings()
    {
        var config = Parse("""a = "quote \" backslash \\ newline \n tab \t e-acute \u00e9 slash \/" """);

        Assert.Equal("quote \" backslash \\ newline \n tab \t e-acute \u00e9 slash /", config.GetString("a"));
    }

    [Fact]
    public void Parser_should_read_unquoted_strings_to_the_end_of_the_line_and_trim_them()
    {
        var config = Parse("a = hello world   \nb = x:y=z, c = last\t\n");

        Assert.Equal("hello world", config.GetString("a"));
        Assert.Equal("x:y=z", config.GetString("b"));
        Assert.Equal("last", config.GetString("c"));
    }

    [Fact]
    public void Parser_should_join_quoted_and_unquoted_pieces_on_one_line()
    {
        var config = Parse("""a = "in quotes" and not""");

        Assert.Equal("in quotes and not", config.GetString("a"));
    }

    [Fact]
    public void Parser_should_read_numbers_of_each_kind()
    {
        var config = Parse("""
            i = 42
            n = -7
            l = 9000000000
            d = -1.25
            e = 1e3
            """);

        Assert.Equal(42, config.GetInt("i"));
        Assert.Equal(-7, config.GetInt("n"));
        Assert.Equal(9_000_000_000L, config.GetLong("l"));
        Assert.Equal(-1.25, config.GetDouble("d"));
        Assert.Equal(1000.0, config.GetDouble("e"));
        Assert.Equal(42.0, config.GetDouble("i"));
        Assert.Equal("-1.25", config.GetString("d"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("\"on\"", true)]
    public void Parser_should_read_every_boolean_spelling(string text, bool expected)
    {
        Assert.Equal(expected, Parse($"flag = {text}").GetBoolean("flag"));
    }

    [Fact]
    public void Parser_should_treat_unquoted_null_as_no_value_but_quoted_null_as_text()
    {
        var config = Parse("""
            a = null
            b = "null"
            """);

        Assert.False(config.HasPath("a"));
        Assert.Equal("fallback", config.GetString("a", "fallback"));
        Assert.Equal("null", config.GetString("b"));
    }

    [Fact]
    public void Parser_should_read_lists_separated_by_commas_or_newlines()
    {
        var config = Parse("""
            a = [x, "y z", 3]
            b = [
              one
              two,
              three,
            ]
            c = []
            """);

        Assert.Equal(["x", "y z", "3"], config.GetStringList("a"));
        Assert.Equal(["one", "two", "three"], config.GetStringList("b"));
        Assert.Empty(config.GetStringList("c"));
    }

    [Fact]
    public void Parser_should_allow_objects_and_lists_inside_lists()
    {
        var config = Parse("""
            peers = [
              { host = a, port = 1 }
              { host = b, port = 2 }
            ]
            matrix = [[1, 2], [3]]
            """);

        Assert.Equal(["peers", "matrix"], config.LeafPaths());
        var error = Assert.Throws<HoconException>(() => config.GetStringList("peers"));
        Assert.Equal("test.conf:2: peers[0]: expected a string, got an object", error.Message);
    }

    [Fact]
    public void Parser_should_let_a_later_duplicate_key_win()
    {
        var config = Parse("""
            a = 1
            a = 2
            """);

        Assert.Equal(2, config.GetInt("a"));
        Assert.Equal(new HoconOrigin("test.conf", 2), config.OriginOf("a"));
    }

    [Fact]
    public void Parser_should_merge_duplicate_objects_deeply()
    {
        var config = Parse("""
            a { x = 1, inner { p = 1, q = 1 } }
            a { y = 2, inner { q = 2 } }
            """);

        Assert.Equal(1, config.GetInt("a.x"));
        Assert.Equal(2, config.GetInt("a.y"));
        Assert.Equal(1, config.GetInt("a.inner.p"));
        Assert.Equal(2, config.GetInt("a.inner.q"));
    }

    [Fact]
    public void Parser_should_let_a_plain_value_replace_an_object_and_an_object_replace_a_plain_value()
    {
        var config = Parse("""
            a { x = 1 }
            a = 5
            b = 5
            b { y = 2 }
            """);

        Assert.Equal(5, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b.y"));
        Assert.Equal(["a", "b.y"], config.LeafPaths());
    }

    [Fact]
    public void Parser_should_accept_an_empty_document_and_blank_lines()
    {
        Assert.Empty(Parse("").LeafPaths());
        Assert.Empty(Parse("\n\n   # only a comment\n").LeafPaths());
        Assert.Equal(1, Parse("\r\n\r\na = 1\r\n\r\n").GetInt("a"));
    }

    [Fact]
    public void Parser_should_record_the_line_each_value_was_written_on()
    {
        var config = Parse("""
            a {
              b = 1

              c = [1,
                2]
            }
            """);

        Assert.Equal(new HoconOrigin("test.conf", 1), config.OriginOf("a"));
        Assert.Equal(new HoconOrigin("test.conf", 2), config.OriginOf("a.b"));
        Assert.Equal(new HoconOrigin("test.conf", 4), config.OriginOf("a.c"));
        Assert.Null(config.OriginOf("a.missing"));
        Assert.Equal("test.conf:2", config.OriginOf("a.b")!.ToString());
    }
}
