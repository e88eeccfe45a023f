using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconSubstitutionTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(variable => variable.Name == name).Value;

    private static HoconConfig Parse(string text, Func<string, string?>? environment = null) =>
        HoconConfig.Parse(text, "sub.conf", environment ?? Environment());

    [Fact]
    public void Optional_environment_override_should_replace_the_value_when_the_variable_is_set()
    {
        var config = Parse("""
            port = 7000
            port = ${?STRIPER_PORT}
            """, Environment(("STRIPER_PORT", "7100")));

        Assert.Equal(7100, config.GetInt("port"));
        Assert.Equal(new HoconOrigin("sub.conf", 2), config.OriginOf("port"));
    }

    [Fact]
    public void Optional_environment_override_should_keep_the_earlier_value_when_the_variable_is_unset()
    {
        var config = Parse("""
            port = 7000
            port = ${?STRIPER_PORT}
            timeout { idle = 5s }
            timeout = ${?STRIPER_TIMEOUT}
            """);

        Assert.Equal(7000, config.GetInt("port"));
        Assert.Equal(new HoconOrigin("sub.conf", 1), config.OriginOf("port"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("timeout.idle"));
    }

    [Fact]
    public void Optional_environment_override_should_treat_an_empty_variable_as_unset()
    {
        var config = Parse("port = 7000\nport = ${?STRIPER_PORT}", Environment(("STRIPER_PORT", "")));

        Assert.Equal(7000, config.GetInt("port"));
    }

    [Fact]
    public void Optional_substitution_without_an_earlier_value_should_leave_the_key_out()
    {
        var config = Parse("a.b = ${?NOPE}\nlist = [1, ${?NOPE}, 3]");

        Assert.False(config.HasPath("a.b"));
        Assert.True(config.HasPath("a"));
        Assert.Equal(["1", "3"], config.GetStringList("list"));
    }

    [Fact]
    public void Optional_substitution_should_let_a_user_file_fall_back_to_the_defaults()
    {
        var defaults = HoconConfig.Parse("stripes = 4", "reference.conf", _ => null);
        var user = HoconConfig.Parse("stripes = ${?STRIPER_STRIPES}", "user.conf", _ => null);

        Assert.Equal(4, user.WithFallback(defaults).GetInt("stripes"));
    }

    [Fact]
    public void Environment_values_should_be_read_by_the_typed_getters_and_named_in_errors()
    {
        var environment = Environment(("SIZE", "1MiB"), ("FLAG", "on"), ("STRIPES", "eight"));
        var config = Parse("size = ${?SIZE}\nflag = ${?FLAG}\n\nstripes = ${?STRIPES}", environment);

        Assert.Equal(1_048_576L, config.GetByteSize("size"));
        Assert.True(config.GetBoolean("flag"));
        var error = Assert.Throws<HoconException>(() => config.GetInt("stripes"));
        Assert.Equal("sub.conf:4: stripes: expected an integer, got 'eight' (from environment variable STRIPES)", error.Message);
    }

    [Fact]
    public void Path_substitution_should_copy_another_value_after_the_whole_file_is_read()
    {
        var config = Parse("""
            base = 64KiB
            chunk = ${base}
            block = ${defaults}
            defaults { a = 1, b = [x] }
            base = 128KiB
            """);

        Assert.Equal(131_072L, config.GetByteSize("chunk"));
        Assert.Equal(1, config.GetInt("block.a"));
        Assert.Equal(["x"], config.GetStringList("block.b"));
    }

    [Fact]
    public void Path_substitution_may_refer_to_a_sibling_inside_the_same_object()
    {
        var config = Parse("bar { foo = 42, baz = ${bar.foo} }");

        Assert.Equal(42, config.GetInt("bar.baz"));
    }

    [Fact]
    public void Path_substitution_should_follow_chains_and_fall_back_to_the_environment()
    {
        var config = Parse("a = ${b}\nb = ${c}\nc = ${HOME}", Environment(("HOME", "/home/striper")));

        Assert.Equal("/home/striper", config.GetString("a"));
    }

    [Fact]
    public void Substitutions_should_join_with_text_on_the_same_line()
    {
        var config = Parse("""
            host = example.org
            port = 80
            url = "http://"${host}":"${port}/path
            greeting = hello ${?NOBODY}!
            """);

        Assert.Equal("http://example.org:80/path", config.GetString("url"));
        Assert.Equal("hello !", config.GetString("greeting"));
    }

    [Fact]
    public void A_key_referring_to_itself_should_see_its_earlier_value()
    {
        var config = Parse("path = /bin\npath = ${path}\":/usr/bin\"\nport = 1\nport = ${?port}");

        Assert.Equal("/bin:/usr/bin", config.GetString("path"));
        Assert.Equal(1, config.GetInt("port"));
    }

    [Fact]
    public void Missing_required_substitution_should_name_file_and_line()
    {
        var error = Assert.Throws<HoconException>(() => Parse("a = 1\nb = ${striper.chunk-size}"));

        Assert.Equal("sub.conf:2: ${striper.chunk-size} is not set: there is no setting or environment variable 'striper.chunk-size'", error.Message);
        Assert.Equal("b", error.Path);
    }

    [Fact]
    public void Substitution_cycle_should_be_reported_with_the_chain()
    {
        var error = Assert.Throws<HoconException>(() => Parse("a = ${b}\nb = ${c}\nc = ${a}"));

        Assert.Equal("sub.conf:1: substitution cycle: ${b} -> ${c} -> ${a} -> ${b}", error.Message);
    }

    [Fact]
    public void Substitution_of_an_enclosing_object_should_be_reported_as_a_cycle()
    {
        var error = Assert.Throws<HoconException>(() => Parse("a {\n  b = ${a}\n}"));

        Assert.Equal("sub.conf:2: substitution cycle: ${a} refers to an object that contains it", error.Message);
    }

    [Fact]
    public void Joining_an_object_with_text_should_be_an_error()
    {
        var error = Assert.Throws<HoconException>(() => Parse("o { x = 1 }\ns = prefix-${o}"));

        Assert.StartsWith("sub.conf:2: ${o} is an object, which can't be joined with text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_environment_should_be_the_process_environment()
    {
        // PATH is set in any environment the tests run in; read it the way the proxy will.
        var expected = System.Environment.GetEnvironmentVariable("PATH");
        Assert.False(string.IsNullOrEmpty(expected));

        var config = HoconConfig.Parse("p = ${?PATH}");

        Assert.Equal(expected, config.GetString("p"));
    }
}
