using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for reading config text through Akka's HOCON: any text either parses or fails with one
/// <see cref="ConfigException"/> whose message is a single line naming the source, and reading any value any way
/// fails only with one too (never a hang, a stack overflow or another exception: Akka's parser alone does all three);
/// nesting of any shape cannot overflow the stack; and a document written from a tree of values reads back as that tree.
/// </summary>
public sealed class ConfigTextProperties
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "=", ":", ",", "+=", ".", "${", "${?", "}", "\"", "\"\"\"", "\n", "\r\n", " ", "\t", "#", "//",
        "include", "null", "true", "no", "a", "b.c", "\"q\"", "\"\\u00e9\\n\"", "\"\\uZZ\"", "\\", "1", "-2.5e3", "64KiB", "10s", "1e999",
        "99999999999999999999", "${a}", "${b.c}", "${?NOPE}", "$", "?", "\u0000", "\u00e9", "\ud800", "a.", ".a", "a..b", "'",
    ];

    private static readonly Gen<string> TokenSoup =
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Gen.Elements(Tokens), n)).Select(string.Concat);

    private static readonly Gen<string> Key = Gen.Elements("a", "b", "port", "chunk-size", "x_1", "k9");

    [Fact]
    public void Any_token_soup_should_parse_or_fail_with_one_line_naming_the_source()
    {
        FuzzRun.Check(Prop.ForAll(TokenSoup.ToArbitrary(), text =>
        {
            try
            {
                var config = ConfigText.Parse(text, "soup.conf", name => name == "HOME" ? "/home/x" : null);
                foreach (var path in TestConfig.LeafPaths(config))
                {
                    ReadEveryWay(config, path);
                }
            }
            catch (ConfigException ex)
            {
                Assert.StartsWith("soup.conf", ex.Message, StringComparison.Ordinal);
                Assert.False(ex.Message.Contains('\n', StringComparison.Ordinal), ex.Message);
            }
        }), ciBudget: 2000, salt: 31);
    }

    [Fact]
    public void Nesting_of_any_shape_and_depth_should_never_overflow_the_stack()
    {
        var openers = new[] { "{", "[", "a {", "a = [", "a.b = {", "[{ a = ", "{ a : [" };
        var nested = from depth in Gen.Frequency((3, Gen.Choose(1, 100)), (1, Gen.Choose(100, 20_000)))
                     from shape in Gen.ArrayOf(Gen.Elements(openers), 8)
                     from close in Gen.Elements(true, false)
                     select Nest(depth, shape, close);

        FuzzRun.Check(Prop.ForAll(nested.ToArbitrary(), text =>
        {
            try
            {
                ConfigText.Parse(text, "deep.conf", _ => null);
            }
            catch (ConfigException ex)
            {
                Assert.StartsWith("deep.conf", ex.Message, StringComparison.Ordinal);
            }
        }), ciBudget: 200, salt: 32);
    }

    [Fact]
    public void A_document_written_from_values_should_read_back_as_those_values()
    {
        var leaves = from path in Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Key, n)).Select(k => string.Join('.', k))
                     from value in Gen.OneOf(
                         Gen.Choose(int.MinValue, int.MaxValue).Select(i => (object)i),
                         Gen.Elements(true, false).Select(b => (object)b),
                         Gen.ArrayOf(Gen.Choose(32, 0x2fff).Select(c => (char)c), 12).Select(c => (object)new string(c)))
                     select (path, value);
        var documents = from entries in Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(leaves, n))
                        from style in Gen.Choose(0, 2)
                        select (entries: Deduplicate(entries), style);

        FuzzRun.Check(Prop.ForAll(documents.ToArbitrary(), t =>
        {
            var text = Render(t.entries, t.style);

            var config = ConfigText.Parse(text, "tree.conf", _ => null);

            Assert.Equal(t.entries.Keys.Order(), TestConfig.LeafPaths(config).Order());
            foreach (var (path, value) in t.entries)
            {
                switch (value)
                {
                    case int i:
                        Assert.Equal(i, ConfigValues.GetInt(config, path));
                        break;
                    case bool b:
                        Assert.Equal(b, ConfigValues.GetBoolean(config, path));
                        break;
                    default:
                        Assert.Equal((string)value, ConfigValues.GetString(config, path));
                        break;
                }
            }
        }), ciBudget: 300, salt: 33);
    }

    private static void ReadEveryWay(Akka.Configuration.Config config, string path)
    {
        Action[] reads =
        [
            () => ConfigValues.GetString(config, path), () => ConfigValues.GetInt(config, path), () => ConfigValues.GetBoolean(config, path),
            () => ConfigValues.GetSize(config, path), () => ConfigValues.GetDuration(config, path), () => ConfigValues.GetStringList(config, path),
        ];
        foreach (var read in reads)
        {
            try
            {
                read();
            }
            catch (ConfigException ex)
            {
                Assert.DoesNotContain('\n', ex.Message);
            }
        }
    }

    private static string Nest(int depth, string[] shape, bool close)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            text.Append(shape[i % shape.Length]).Append(' ');
        }

        text.Append('1');
        if (close)
        {
            text.Append(new string('}', depth / 2)).Append(new string(']', depth / 2));
        }

        return text.ToString();
    }

    /// <summary>A key cannot be both a leaf and an object, and the last write wins: keep one value per path, no prefixes.</summary>
    private static Dictionary<string, object> Deduplicate(IEnumerable<(string Path, object Value)> entries)
    {
        var kept = new Dictionary<string, object>();
        foreach (var (path, value) in entries)
        {
            if (!kept.Keys.Any(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal) || path.StartsWith(k + ".", StringComparison.Ordinal)))
            {
                kept[path] = value;
            }
        }

        return kept;
    }

    private static string Render(Dictionary<string, object> entries, int style)
    {
        var text = new StringBuilder();
        foreach (var (path, value) in entries)
        {
            var rendered = value switch
            {
                int i => i.ToString(CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                _ => Quote((string)value),
            };
            var separator = style == 1 ? ": " : " = ";
            if (style == 2 && path.Contains('.', StringComparison.Ordinal))
            {
                // Nested braces instead of a dotted key: the same tree written the other way.
                var parts = path.Split('.');
                text.Append(string.Join(" { ", parts[..^1])).Append(" { ").Append(parts[^1]).Append(separator).Append(rendered)
                    .Append(new string('}', parts.Length - 1)).Append('\n');
            }
            else
            {
                text.Append(path).Append(separator).Append(rendered).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(c) => FormattableString.Invariant($"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }
}
