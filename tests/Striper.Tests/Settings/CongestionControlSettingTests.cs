using Striper.Actors.Settings;
using Striper.Host.Hosting;
using Striper.Tests.Support;

namespace Striper.Tests.Settings;

/// <summary>striper.tcp.congestion-control: system by default, one of the names the kernel spells, or an error naming the key and the choices.</summary>
public sealed class CongestionControlSettingTests
{
    [Fact]
    public void The_built_in_config_should_leave_the_system_default()
    {
        var settings = TestConfig.Load("").Read(StriperSettingsReader.Read);

        Assert.Equal("system", settings.TcpCongestionControl);
        Assert.Equal("system", StriperSettings.Default.TcpCongestionControl);
    }

    [Theory]
    [InlineData("striper.tcp.congestion-control = system", "system")]
    [InlineData("striper.tcp.congestion-control = cubic", "cubic")]
    [InlineData("striper.tcp.congestion-control = bbr", "bbr")]
    [InlineData("striper.tcp { congestion-control = reno }", "reno")]
    [InlineData("striper.tcp.congestion-control = \" BBR \"", "bbr")]
    public void A_known_algorithm_should_be_read_as_the_kernel_spells_it(string text, string expected)
    {
        var settings = TestConfig.Load(text).Read(StriperSettingsReader.Read);

        Assert.Equal(expected, settings.TcpCongestionControl);
    }

    [Theory]
    [InlineData("striper.tcp.congestion-control = vegas", "user.conf: striper.tcp.congestion-control must be system, cubic, bbr or reno, got 'vegas'")]
    [InlineData("striper.tcp.congestion-control = \"\"", "user.conf: striper.tcp.congestion-control must be system, cubic, bbr or reno, got ''")]
    [InlineData("striper.tcp.congestion-control = [bbr]", "user.conf: striper.tcp.congestion-control must be a string, got a list")]
    [InlineData("striper.tcp.congestion = bbr", "user.conf: unknown setting 'striper.tcp.congestion'")]
    public void A_bad_value_should_be_refused_naming_the_key_and_the_choices(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => TestConfig.Load(text).Read(StriperSettingsReader.Read));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_environment_variable_should_override_the_built_in_setting()
    {
        var defaults = ConfigLoader.Defaults(name => name == "STRIPER_TCP_CONGESTION_CONTROL" ? "bbr" : null);

        Assert.Equal("bbr", ConfigValues.GetString(defaults, "striper.tcp.congestion-control"));
    }
}
