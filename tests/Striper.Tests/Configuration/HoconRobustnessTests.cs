using System.Diagnostics;
using System.Text;
using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconRobustnessTests
{
    private static readonly string ValidDocument = """
        # Striper defaults
        striper {
          stripes = 4
          chunk-size = 64KiB
          "quoted.key" = "a \"quoted\" value\twith \u00e9scapes"
          listen { host = 0.0.0.0, port: 7000 }
          timeouts.connect = 5s
          timeouts.idle = ${?IDLE}
          peers = [
            { host = a.example, port = 1 }
            "b.example:2",
            [nested, list]
          ]
          copy = ${striper.stripes}
          url = "http://"${striper.listen.host}":"${striper.listen.port}
          enabled = yes // comment
          ratio = -1.5e2
          nothing = null
        }
        """;

    private static readonly string Alphabet = "{}[]\",:=#/\\$?.+ \n\t\rab01-uU\u0000\u00e9";

    [Fact]
    public void Seeded_random_mutations_should_only_ever_throw_hocon_exceptions()
    {
        var random = new Random(20240611);
        var parsed = 0;
        for (var iteration = 0; iteration < 4000; iteration++)
        {
            var text = Mutate(ValidDocument, random);
            try
            {
                var config = HoconConfig.Parse(text, "fuzz.conf", name => name == "IDLE" ? "10s" : null);
                Exercise(config);
                parsed++;
            }
            catch (HoconException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {iteration}: {ex.GetType().Name} escaped for input:\n{text}\n{ex}");
            }
        }

        // The mutations must leave some documents valid, or the getters above were never exercised.
        Assert.InRange(parsed, 100, 4000);
    }

    [Fact]
    public void Random_bytes_should_only_ever_throw_hocon_exceptions()
    {
        var random = new Random(7);
        for (var iteration = 0; iteration < 500; iteration++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            var text = Encoding.Latin1.GetString(bytes);
            try
            {
                Exercise(HoconConfig.Parse(text, "binary", _ => null));
            }
            catch (HoconException)
            {
            }
        }
    }

    [Theory]
    [InlineData("", "a { ", "b = 1", " }")]
    [InlineData("a = ", "[", "1", "]")]
    [InlineData("a = ", "[{ b = ", "1", "}]")]
    [InlineData("", "{ a = ", "1", "}")]
    public void Deep_nesting_should_be_refused_with_a_clear_error(string prefix, string open, string middle, string close)
    {
        var text = prefix + string.Concat(Enumerable.Repeat(open, 100_000)) + middle + string.Concat(Enumerable.Repeat(close, 100_000));

        var error = Assert.Throws<HoconException>(() => HoconConfig.Parse(text, "deep.conf"));

        Assert.Matches(@"^deep\.conf:1: objects and lists are nested more than 64 levels deep$", error.Message);
    }

    [Fact]
    public void Long_dotted_keys_count_towards_the_nesting_limit()
    {
        var deepKey = string.Join('.', Enumerable.Repeat("k", 10_000)) + " = 1";
        var fineKey = string.Join('.', Enumerable.Repeat("k", 64)) + " = 1";

        Assert.Throws<HoconException>(() => HoconConfig.Parse(deepKey));
        Assert.Equal(1, HoconConfig.Parse(fineKey).GetInt(string.Join('.', Enumerable.Repeat("k", 64))));
    }

    [Fact]
    public void Substitutions_that_grow_the_tree_without_bound_should_be_refused()
    {
        var deeper = new StringBuilder("a0 = [1]\n");
        var wider = new StringBuilder("w0 = [1, 1]\n");
        for (var i = 1; i <= 70; i++)
        {
            deeper.Append(CultureInfoInvariant($"a{i} = [${{a{i - 1}}}]\n"));
            wider.Append(CultureInfoInvariant($"w{i} = [${{w{i - 1}}}, ${{w{i - 1}}}]\n"));
        }

        Assert.Contains("more than 64 levels deep", Assert.Throws<HoconException>(() => HoconConfig.Parse(deeper.ToString())).Message, StringComparison.Ordinal);
        Assert.Contains("values", Assert.Throws<HoconException>(() => HoconConfig.Parse(wider.ToString())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_substitution_chains_and_repeated_overrides_should_not_overflow_the_stack()
    {
        // Written in order, each link is already resolved when the next one needs it.
        var forward = new StringBuilder("v0 = 1\n");
        for (var i = 1; i <= 5_000; i++)
        {
            forward.Append(CultureInfoInvariant($"v{i} = ${{v{i - 1}}}\n"));
        }

        // Written backwards, resolving the first key needs the whole chain at once.
        var backward = new StringBuilder();
        for (var i = 0; i < 5_000; i++)
        {
            backward.Append(CultureInfoInvariant($"v{i} = ${{v{i + 1}}}\n"));
        }

        backward.Append("v5000 = 1\n");
        var overrides = "port = 1\n" + string.Concat(Enumerable.Repeat("port = ${?UNSET}\n", 50_000));

        Assert.Equal(1, HoconConfig.Parse(forward.ToString(), "f", _ => null).GetInt("v5000"));
        var error = Assert.Throws<HoconException>(() => HoconConfig.Parse(backward.ToString(), "b", _ => null));
        Assert.Equal("b:400: substitutions refer to each other too deeply (more than 400 levels)", error.Message);
        Assert.Equal(1, HoconConfig.Parse(overrides, "o", _ => null).GetInt("port"));
    }

    [Fact]
    public void Huge_documents_should_parse_quickly()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 100_000; i++)
        {
            text.Append(CultureInfoInvariant($"section{i % 100}.key{i} = \"value {i}\"\n"));
        }

        var stopwatch = Stopwatch.StartNew();
        var config = HoconConfig.Parse(text.ToString(), "huge.conf");
        stopwatch.Stop();

        Assert.Equal(100_000, config.LeafPaths().Count());
        Assert.Equal("value 99999", config.GetString("section99.key99999"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static void Exercise(HoconConfig config)
    {
        foreach (var path in config.LeafPaths().ToList())
        {
            Try(() => config.GetString(path));
            Try(() => config.GetInt(path));
            Try(() => config.GetLong(path, 0));
            Try(() => config.GetDouble(path));
            Try(() => config.GetBoolean(path));
            Try(() => config.GetByteSize(path));
            Try(() => config.GetTimeSpan(path));
            Try(() => config.GetStringList(path));
            Try(() => config.OriginOf(path));
            Try(() => config.GetConfig(path));
        }

        _ = config.WithFallback(config).UnknownKeys(HoconConfig.Empty);
        _ = HoconConfig.Empty.WithFallback(config).LeafPaths().Count();
    }

    private static void Try(Func<object?> read)
    {
        try
        {
            _ = read();
        }
        catch (HoconException)
        {
        }
    }

    private static string Mutate(string text, Random random)
    {
        var builder = new StringBuilder(text);
        var mutations = random.Next(1, 6);
        for (var i = 0; i < mutations && builder.Length > 0; i++)
        {
            var position = random.Next(builder.Length);
            switch (random.Next(6))
            {
                case 0:
                    builder.Remove(position, 1);
                    break;
                case 1:
                    builder.Insert(position, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 2:
                    builder[position] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 3:
                    builder.Length = position;
                    break;
                case 4:
                    var length = Math.Min(random.Next(1, 40), builder.Length - position);
                    builder.Insert(random.Next(builder.Length), builder.ToString(position, length));
                    break;
                default:
                    builder.Remove(position, Math.Min(random.Next(1, 20), builder.Length - position));
                    break;
            }
        }

        return builder.ToString();
    }
}
