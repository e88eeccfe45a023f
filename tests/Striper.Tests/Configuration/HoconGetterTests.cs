using Striper.Actors.Configuration;

namespace Striper.Tests.Configuration;

public sealed class HoconGetterTests
{
    private static HoconConfig Parse(string text) => HoconConfig.Parse(text, "my.conf", _ => null);

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("512B", 512L)]
    [InlineData("512 bytes", 512L)]
    [InlineData("64KiB", 65_536L)]
    [InlineData("64 KiB", 65_536L)]
    [InlineData("64Ki", 65_536L)]
    [InlineData("10k", 10_240L)]
    [InlineData("10K", 10_240L)]
    [InlineData("10kB", 10_000L)]
    [InlineData("10 kilobytes", 10_000L)]
    [InlineData("1MiB", 1_048_576L)]
    [InlineData("1M", 1_048_576L)]
    [InlineData("1.5MiB", 1_572_864L)]
    [InlineData("3MB", 3_000_000L)]
    [InlineData("2GiB", 2_147_483_648L)]
    [InlineData("2g", 2_147_483_648L)]
    [InlineData("2GB", 2_000_000_000L)]
    [InlineData("1TiB", 1_099_511_627_776L)]
    [InlineData("1 mebibyte", 1_048_576L)]
    public void GetByteSize_should_read_every_unit(string text, long expected)
    {
        Assert.Equal(expected, Parse($"size = {text}").GetByteSize("size"));
    }

    [Theory]
    [InlineData("250", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("250ms", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("5s", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("1.5s", 15_000_000L)]
    [InlineData("5 seconds", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("2m", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("10 minutes", 10 * TimeSpan.TicksPerMinute)]
    [InlineData("1h", TimeSpan.TicksPerHour)]
    [InlineData("2 days", 2 * TimeSpan.TicksPerDay)]
    [InlineData("100us", 100 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("1500ns", 15L)]
    [InlineData("3 millis", 3 * TimeSpan.TicksPerMillisecond)]
    [InlineData("-1s", -TimeSpan.TicksPerSecond)]
    public void GetTimeSpan_should_read_every_unit(string text, long expectedTicks)
    {
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), Parse($"timeout = {text}").GetTimeSpan("timeout"));
    }

    [Fact]
    public void GetByteSize_should_name_file_line_and_setting_when_the_unit_is_unknown()
    {
        var config = Parse("\n\nbuffer = 12 parsecs");

        var error = Assert.Throws<HoconException>(() => config.GetByteSize("buffer"));

        Assert.Equal("my.conf:3: buffer: expected a size like 64KiB, got '12 parsecs'", error.Message);
        Assert.Equal(new HoconOrigin("my.conf", 3), error.Origin);
        Assert.Equal("buffer", error.Path);
    }

    [Theory]
    [InlineData("-1KiB")]
    [InlineData("KiB")]
    [InlineData("1 2 KiB")]
    [InlineData("1.2.3")]
    public void GetByteSize_should_reject_malformed_sizes(string text)
    {
        var error = Assert.Throws<HoconException>(() => Parse($"size = {text}").GetByteSize("size"));
        Assert.Contains("expected a size like 64KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetByteSize_should_report_sizes_too_large_for_a_long()
    {
        var error = Assert.Throws<HoconException>(() => Parse("size = 9EiB").GetByteSize("size"));
        Assert.Equal("my.conf:1: size: expected a size of at most 9223372036854775807 bytes, got '9EiB'", error.Message);
    }

    [Fact]
    public void GetTimeSpan_should_name_file_line_and_setting_for_a_bad_duration()
    {
        var error = Assert.Throws<HoconException>(() => Parse("a {\n  timeout = soon\n}").GetTimeSpan("a.timeout"));
        Assert.Equal("my.conf:2: a.timeout: expected a duration like 250ms or 5s, got 'soon'", error.Message);
    }

    [Theory]
    [InlineData("5S")]
    [InlineData("5 fortnights")]
    [InlineData("99999999999999 days")]
    public void GetTimeSpan_should_reject_unknown_units_and_out_of_range_durations(string text)
    {
        var error = Assert.Throws<HoconException>(() => Parse($"t = {text}").GetTimeSpan("t"));
        Assert.StartsWith("my.conf:1: t: expected a duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetInt_should_say_which_setting_is_not_an_integer()
    {
        var config = Parse("striper {\n\n\n\n  stripes = eight\n}");

        var error = Assert.Throws<HoconException>(() => config.GetInt("striper.stripes"));

        Assert.Equal("my.conf:5: striper.stripes: expected an integer, got 'eight'", error.Message);
    }

    [Fact]
    public void GetInt_should_report_values_out_of_range()
    {
        var config = Parse("big = 3000000000\nhuge = 99999999999999999999");

        var intError = Assert.Throws<HoconException>(() => config.GetInt("big"));
        var longError = Assert.Throws<HoconException>(() => config.GetLong("huge"));

        Assert.Equal("my.conf:1: big: expected an integer between -2147483648 and 2147483647, got '3000000000'", intError.Message);
        Assert.StartsWith("my.conf:2: huge: expected an integer between -9223372036854775808 and", longError.Message, StringComparison.Ordinal);
        Assert.Equal(3_000_000_000L, config.GetLong("big"));
    }

    [Fact]
    public void Getters_should_report_type_errors_for_every_type()
    {
        var config = Parse("""
            text = hello
            list = [1]
            obj { a = 1 }
            nothing = null
            """);

        Assert.Equal("my.conf:1: text: expected a number, got 'hello'", Assert.Throws<HoconException>(() => config.GetDouble("text")).Message);
        Assert.Equal("my.conf:1: text: expected a boolean (true/false, yes/no or on/off), got 'hello'", Assert.Throws<HoconException>(() => config.GetBoolean("text")).Message);
        Assert.Equal("my.conf:1: text: expected a list, got 'hello'", Assert.Throws<HoconException>(() => config.GetStringList("text")).Message);
        Assert.Equal("my.conf:1: text: expected an object, got 'hello'", Assert.Throws<HoconException>(() => config.GetConfig("text")).Message);
        Assert.Equal("my.conf:2: list: expected a string, got a list", Assert.Throws<HoconException>(() => config.GetString("list")).Message);
        Assert.Equal("my.conf:3: obj: expected an integer, got an object", Assert.Throws<HoconException>(() => config.GetInt("obj")).Message);
        Assert.Equal("my.conf:4: nothing: expected a string, got null", Assert.Throws<HoconException>(() => config.GetString("nothing")).Message);
        Assert.Equal("my.conf:1: text: expected an object (to read 'text.deeper'), got 'hello'", Assert.Throws<HoconException>(() => config.GetString("text.deeper")).Message);
    }

    [Fact]
    public void Type_errors_should_keep_the_value_on_one_line()
    {
        var config = Parse("a = \"two\\nlines\\u0001\"");

        var error = Assert.Throws<HoconException>(() => config.GetInt("a"));

        Assert.Equal("my.conf:1: a: expected an integer, got 'two\\nlinesU+0001'", error.Message);
    }

    [Fact]
    public void Getters_should_report_a_missing_required_setting_without_an_origin()
    {
        var error = Assert.Throws<HoconException>(() => Parse("striper { }").GetByteSize("striper.chunk-size"));

        Assert.Equal("missing setting 'striper.chunk-size'", error.Message);
        Assert.Null(error.Origin);
        Assert.Equal("striper.chunk-size", error.Path);
    }

    [Fact]
    public void Getters_with_a_default_should_return_it_only_when_the_setting_is_missing_or_null()
    {
        var config = Parse("present = 5\nnothing = null\nwrong = abc");

        Assert.Equal(5, config.GetInt("present", 1));
        Assert.Equal(1, config.GetInt("missing", 1));
        Assert.Equal(1, config.GetInt("nothing", 1));
        Assert.Equal(7L, config.GetLong("missing", 7L));
        Assert.Equal(0.5, config.GetDouble("missing", 0.5));
        Assert.True(config.GetBoolean("missing", true));
        Assert.Equal("d", config.GetString("missing.deeper", "d"));
        Assert.Equal(1024L, config.GetByteSize("missing", 1024L));
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("missing", TimeSpan.FromSeconds(3)));
        Assert.Equal(["x"], config.GetStringList("missing", ["x"]));
        Assert.Throws<HoconException>(() => config.GetInt("wrong", 1));
    }

    [Fact]
    public void GetConfig_should_return_the_sub_object_and_keep_full_paths_in_errors()
    {
        var config = Parse("striper {\n  stripes = eight\n  port = 1\n}");

        var striper = config.GetConfig("striper");

        Assert.Equal(1, striper.GetInt("port"));
        Assert.Equal(["stripes", "port"], striper.LeafPaths());
        Assert.Equal("my.conf:2: striper.stripes: expected an integer, got 'eight'", Assert.Throws<HoconException>(() => striper.GetInt("stripes")).Message);
        Assert.Equal("missing setting 'striper.absent'", Assert.Throws<HoconException>(() => striper.GetInt("absent")).Message);
    }

    [Fact]
    public void GetConfig_should_return_an_empty_config_for_a_missing_path()
    {
        var missing = Parse("a = 1").GetConfig("nope");

        Assert.Empty(missing.LeafPaths());
        Assert.False(missing.HasPath("x"));
        Assert.Empty(HoconConfig.Empty.LeafPaths());
    }

    [Fact]
    public void HasPath_should_be_true_for_values_and_objects_and_false_otherwise()
    {
        var config = Parse("a { b = 1 }\nc = null\nd = [1]");

        Assert.True(config.HasPath("a"));
        Assert.True(config.HasPath("a.b"));
        Assert.True(config.HasPath("d"));
        Assert.False(config.HasPath("a.x"));
        Assert.False(config.HasPath("a.b.c"));
        Assert.False(config.HasPath("c"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    public void Getters_should_reject_malformed_paths_with_a_hocon_exception(string path)
    {
        var error = Assert.Throws<HoconException>(() => Parse("a = 1").GetString(path));
        Assert.StartsWith("invalid setting path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetStringList_should_give_list_elements_as_text()
    {
        var config = Parse("hosts = [\"a.example:80\", b.example, 443, true]");

        Assert.Equal(["a.example:80", "b.example", "443", "true"], config.GetStringList("hosts"));
    }
}
