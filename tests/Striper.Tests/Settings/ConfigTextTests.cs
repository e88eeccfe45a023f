using Striper.Actors.Settings;
using Striper.Host.Hosting;
using Striper.Tests.Support;

namespace Striper.Tests.Settings;

/// <summary>
/// Config text read through Akka's HOCON: the built-in settings keep their units, <c>${?NAME}</c> takes environment
/// variables (which Akka's parser alone does not), a user's file overlays the defaults with unknown keys refused by
/// name and Akka's own block let through, and syntax errors name the file and, where known, the line.
/// </summary>
public sealed class ConfigTextTests
{
    [Fact]
    public void The_built_in_config_should_read_with_its_units()
    {
        var settings = TestConfig.Load("").Read(StriperSettingsReader.Read);

        Assert.Null(settings.Stripes);
        Assert.Equal(64, settings.MaxStripes);
        Assert.Equal(4, settings.InitialStripes);
        Assert.Equal(256 * 1024, settings.ChunkSize);
        Assert.Equal(1024 * 1024, settings.MaxFramePayload);
        Assert.Null(settings.CreditWindow);
        Assert.Equal((512L - 96) << 20, settings.CreditCeiling);
        Assert.Equal(512L << 20, settings.MemoryLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.TargetDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.CloseTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1), settings.Mdp.AckDelay);
        Assert.True(settings.Mdp.SegmentationOffload);
        Assert.Null(settings.SecretFile);
    }

    [Theory]
    [InlineData("", null, (512L - 96) << 20)]
    [InlineData("striper.credit-window = auto\nstriper.memory-limit = 256MiB", null, (256L - 96) << 20)]
    [InlineData("striper.credit-window = 64MiB", 64L << 20, 64L << 20)]
    public void Credit_window_should_be_auto_up_to_the_buffer_budget_or_a_fixed_ceiling(string text, long? window, long ceiling)
    {
        var settings = TestConfig.Load(text).Read(StriperSettingsReader.Read);

        Assert.Equal(window, settings.CreditWindow);
        Assert.Equal(ceiling, settings.CreditCeiling);
    }

    [Theory]
    [InlineData("striper.stripes = 6", 6, 64)]
    [InlineData("striper.stripes.count = 6", 6, 64)]
    [InlineData("striper.stripes { count = auto, max = 12 }", null, 12)]
    [InlineData("striper.stripes.max = 2", null, 2)]
    public void Stripes_should_be_read_as_a_count_or_auto_with_a_maximum(string text, int? count, int max)
    {
        var settings = TestConfig.Load(text).Read(StriperSettingsReader.Read);

        Assert.Equal(count, settings.Stripes);
        Assert.Equal(max, settings.MaxStripes);
        Assert.Equal(count ?? Math.Min(4, max), settings.InitialStripes);
    }

    [Fact]
    public void A_users_file_should_overlay_the_defaults_key_by_key()
    {
        var settings = TestConfig.Load("striper { stripes = 3\n chunk-size = 64KiB }\nstriper.mdp.mtu = 1500").Read(StriperSettingsReader.Read);

        Assert.Equal(3, settings.Stripes);
        Assert.Equal(64 * 1024, settings.ChunkSize);
        Assert.Equal(1500, settings.Mdp.Mtu);
        Assert.Null(settings.CreditWindow);
    }

    [Fact]
    public void An_environment_variable_should_override_a_built_in_setting_that_names_it()
    {
        var defaults = ConfigLoader.Defaults(name => name switch
        {
            "STRIPER_STRIPES" => "5",
            "STRIPER_MEMORY_LIMIT" => "1GiB",
            "STRIPER_LOG_LEVEL" => "debug",
            _ => null,
        });

        Assert.Equal(5, ConfigValues.GetInt(defaults, "striper.stripes.count"));
        Assert.Equal(1L << 30, ConfigValues.GetSize(defaults, "striper.memory-limit"));
        Assert.Equal("debug", ConfigValues.GetString(defaults, "striper.log.level"));
        Assert.Equal("tcp", ConfigValues.GetString(defaults, "striper.transport"));
    }

    [Theory]
    [InlineData("a = 8\na = ${?STRIPER_X}", "12", "12")]
    [InlineData("a = 8\na = ${?STRIPER_X}", null, "8")]
    [InlineData("a = 8\na = ${?STRIPER_X} # from the environment", null, "8")]
    [InlineData("s {\n  a = 8\n  a = ${?STRIPER_X},\n}", null, "8")]
    [InlineData("a = ${?STRIPER_X}", "say \"hi\" \\ there", "say \"hi\" \\ there")]
    public void An_optional_substitution_should_take_the_variable_or_leave_the_value_before_it(string text, string? variable, string expected)
    {
        var config = ConfigText.Parse(text, "user.conf", name => name == "STRIPER_X" ? variable : null);

        Assert.Equal(expected, ConfigValues.GetString(config, text.StartsWith('s') ? "s.a" : "a"));
    }

    [Fact]
    public void An_unset_variable_where_the_value_cannot_simply_be_left_out_should_be_refused_naming_it()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigText.Parse("a = 1\nb = [${?STRIPER_X}]", "user.conf", _ => null));

        Assert.StartsWith("user.conf:2: environment variable STRIPER_X is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_substitution_of_a_setting_should_resolve_within_the_file()
    {
        var config = ConfigText.Parse("a = 64KiB\nb = ${a}", "user.conf", _ => null);

        Assert.Equal(65536, ConfigValues.GetSize(config, "b"));
    }

    [Theory]
    [InlineData("striper { stripez = 4 }", "user.conf: unknown setting 'striper.stripez'")]
    [InlineData("striper.mdp { mtu = 1400, mtux = 1 }", "user.conf: unknown setting 'striper.mdp.mtux'")]
    [InlineData("strper.stripes = 4", "user.conf: unknown setting 'strper'")]
    [InlineData("striper.substream-grace = 30s", "user.conf: the setting 'striper.substream-grace' is now called 'striper.session.resume-window'")]
    public void An_unknown_key_should_be_refused_naming_it(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => TestConfig.Load(text));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_akka_block_should_pass_the_unknown_key_check_and_stay_in_the_merged_config()
    {
        var loaded = TestConfig.Load("akka { loglevel = DEBUG\n actor.default-dispatcher.throughput = 7 }\nstriper.stripes = 2");

        Assert.Equal(7, loaded.Merged.GetInt("akka.actor.default-dispatcher.throughput"));
        Assert.Equal(2, loaded.Read(StriperSettingsReader.Read).Stripes);
    }

    [Theory]
    [InlineData("striper.stripes = \"many\"", "user.conf: striper.stripes must be an integer, got 'many'")]
    [InlineData("striper.chunk-size = -1KiB", "user.conf: striper.chunk-size must be between 1024 and 1048576 bytes, got -1024")]
    [InlineData("striper.stall-timeout = soon", "user.conf: striper.stall-timeout must be a duration like 250ms or 5s, got 'soon'")]
    [InlineData("striper.stall-timeout = 0s", "user.conf: striper.stall-timeout must be a positive duration")]
    [InlineData("striper.session.resume-window = 0s", "user.conf: striper.session.resume-window must be a positive duration")]
    [InlineData("striper.substream-timeout = 500ms", "user.conf: striper.substream-timeout must be between 1s and 3600s, got 0.5s")]
    [InlineData("striper.stripes.count = lots", "user.conf: striper.stripes.count must be auto or a whole number from 1 to 256, got 'lots'")]
    [InlineData("striper.stripes.max = 0", "user.conf: striper.stripes.max must be between 1 and 256, got 0")]
    [InlineData("striper.encrypt = maybe", "user.conf: striper.encrypt must be auto, on or off, got 'maybe'")]
    [InlineData("striper.credit-window = 256KiB", "user.conf: credit-window (262144 bytes) must hold at least two chunks")]
    public void A_bad_value_should_be_refused_in_one_sentence_naming_the_file_and_key(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => TestConfig.Load(text).Read(StriperSettingsReader.Read));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("a = 1\nb = @@@\n", "soup.conf:2: Unknown token")]
    [InlineData("a {\n  b = 1\n", "soup.conf:3: unclosed '{' opened at line 1")]
    [InlineData("a = [1,\nb = 2]", "soup.conf:2: '=' inside the list opened at line 1")]
    [InlineData("a = \"open\nb = 2", "soup.conf:1: unclosed quoted string")]
    [InlineData("a = ${a}", "soup.conf: a refers to itself through a substitution")]
    [InlineData("a { b = ${a} }", "soup.conf: a.b refers to itself through a substitution")]
    [InlineData("include \"other.conf\"", "soup.conf: include \"other.conf\" is not supported")]
    [InlineData("a = \"\\q\"\nb = \"\\z\"", "soup.conf")]
    public void A_syntax_error_should_name_the_file_and_the_line_where_known(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigText.Parse(text, "soup.conf", _ => null));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = []", new string[0])]
    [InlineData("a = [ ]", new string[0])]
    [InlineData("a = [] # none", new string[0])]
    [InlineData("a = [\n]", new string[0])]
    [InlineData("a = [\"x:1\", \"y:2\"]", new[] { "x:1", "y:2" })]
    [InlineData("a = [\n  \"x:1\"\n  \"y:2\"\n]", new[] { "x:1", "y:2" })]
    public void A_list_should_read_as_what_was_written_empty_or_not(string text, string[] expected) =>
        Assert.Equal(expected, ConfigValues.GetStringList(ConfigText.Parse(text, "user.conf", _ => null), "a"));

    [Theory]
    [InlineData("a = x", "a must be a list of strings, got 'x'")]
    [InlineData("a = [[\"x\"]]", "a[0] must be a string, got a list")]
    [InlineData("a = [{ b = 1 }]", "a[0] must be a string, got an object")]
    public void Something_else_where_a_list_is_wanted_should_be_refused_naming_the_key(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigValues.GetStringList(ConfigText.Parse(text, "user.conf", _ => null), "a"));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("512", 512)]
    [InlineData("10MB", 10_000_000)]
    public void A_size_flag_should_take_the_units_of_the_file(string text, long expected)
    {
        Assert.True(ConfigValues.TryParseSize(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void A_size_flag_that_is_not_a_size_should_be_refused(string text) =>
        Assert.False(ConfigValues.TryParseSize(text, out _));
}
