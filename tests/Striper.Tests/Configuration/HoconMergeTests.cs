using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconMergeTests
{
    private static readonly string Defaults = """
        striper {
          stripes = 4
          chunk-size = 64KiB
          listen { host = "0.0.0.0", port = 7000 }
          peers = [a, b]
          routes { }
        }
        """;

    private static HoconConfig Parse(string text, string source) => HoconConfig.Parse(text, source, _ => null);

    [Fact]
    public void WithFallback_should_let_the_overlay_win_and_merge_objects_deeply()
    {
        var defaults = Parse(Defaults, "reference.conf");
        var user = Parse("striper.stripes = 8\nstriper.listen.port = 7100\nstriper.peers = [c]", "user.conf");

        var config = user.WithFallback(defaults);

        Assert.Equal(8, config.GetInt("striper.stripes"));
        Assert.Equal(65_536L, config.GetByteSize("striper.chunk-size"));
        Assert.Equal("0.0.0.0", config.GetString("striper.listen.host"));
        Assert.Equal(7100, config.GetInt("striper.listen.port"));
        Assert.Equal(["c"], config.GetStringList("striper.peers"));
        Assert.Equal(new HoconOrigin("user.conf", 1), config.OriginOf("striper.stripes"));
        Assert.Equal(new HoconOrigin("reference.conf", 3), config.OriginOf("striper.chunk-size"));
    }

    [Fact]
    public void WithFallback_should_not_change_either_input()
    {
        var defaults = Parse(Defaults, "reference.conf");
        var user = Parse("striper.stripes = 8", "user.conf");

        _ = user.WithFallback(defaults);

        Assert.Equal(4, defaults.GetInt("striper.stripes"));
        Assert.False(user.HasPath("striper.chunk-size"));
    }

    [Fact]
    public void WithFallback_should_let_a_plain_value_hide_a_fallback_object()
    {
        var config = Parse("a = 42", "user.conf").WithFallback(Parse("a { x = 1 }", "reference.conf"));

        Assert.Equal(42, config.GetInt("a"));
        Assert.Equal(["a"], config.LeafPaths());
    }

    [Fact]
    public void WithFallback_should_let_null_clear_a_fallback_object()
    {
        var config = Parse("a = null", "user.conf").WithFallback(Parse("a { x = 1 }", "reference.conf"));

        Assert.False(config.HasPath("a"));
        Assert.False(config.HasPath("a.x"));
        Assert.Equal(0, config.GetInt("a.x", 0));
    }

    [Fact]
    public void WithFallback_should_chain_across_several_configs()
    {
        var config = Parse("a = 1", "one")
            .WithFallback(Parse("a = 2\nb = 2", "two"))
            .WithFallback(Parse("a = 3\nb = 3\nc = 3", "three"));

        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b"));
        Assert.Equal(3, config.GetInt("c"));
        Assert.Equal(HoconConfig.Empty.WithFallback(config).LeafPaths(), config.LeafPaths());
    }

    [Fact]
    public void LeafPaths_should_list_every_value_and_count_lists_as_values()
    {
        var config = Parse(Defaults, "reference.conf");

        Assert.Equal(
            ["striper.stripes", "striper.chunk-size", "striper.listen.host", "striper.listen.port", "striper.peers"],
            config.LeafPaths());
    }

    [Fact]
    public void UnknownKeys_should_report_keys_missing_from_the_reference_with_the_overlay_origin()
    {
        var defaults = Parse(Defaults, "reference.conf");
        var user = Parse("""
            striper {
              stripes = 8
              stripe-count = 8
              listen.prot = 7100
            }
            stripper.stripes = 2
            """, "/etc/striper/striper.conf");

        var unknown = user.WithFallback(defaults).UnknownKeys(defaults);

        Assert.Equal(
            [
                ("striper.stripe-count", new HoconOrigin("/etc/striper/striper.conf", 3)),
                ("striper.listen.prot", new HoconOrigin("/etc/striper/striper.conf", 4)),
                ("stripper", new HoconOrigin("/etc/striper/striper.conf", 6)),
            ],
            unknown);
    }

    [Fact]
    public void UnknownKeys_should_accept_anything_under_an_empty_reference_object()
    {
        var defaults = Parse(Defaults, "reference.conf");
        var user = Parse("striper.routes { web { port = 80 }, db = 5432 }", "user.conf");

        Assert.Empty(user.UnknownKeys(defaults));
    }

    [Fact]
    public void UnknownKeys_should_be_empty_when_every_key_is_known()
    {
        var defaults = Parse(Defaults, "reference.conf");

        Assert.Empty(defaults.UnknownKeys(defaults));
        Assert.Empty(HoconConfig.Empty.UnknownKeys(defaults));
    }
}
