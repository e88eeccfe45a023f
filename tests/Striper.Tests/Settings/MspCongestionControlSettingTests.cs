using Striper.Actors.Msp;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.Settings;

/// <summary>striper.msp.congestion-control: bbr by default, westwood or newreno, or an error naming the key and the choices.</summary>
public sealed class MspCongestionControlSettingTests
{
    [Fact]
    public void The_built_in_config_should_choose_the_model_based_control()
    {
        var settings = TestConfig.Load("").Read(StriperSettingsReader.Read);

        Assert.Equal(MspCongestionAlgorithm.Bbr, settings.Msp.CongestionControl);
        Assert.Equal(MspCongestionAlgorithm.Bbr, MspSettings.Default.CongestionControl);
    }

    [Theory]
    [InlineData("striper.msp.congestion-control = bbr", "bbr")]
    [InlineData("striper.msp.congestion-control = westwood", "westwood")]
    [InlineData("striper.msp { congestion-control = newreno }", "newreno")]
    [InlineData("striper.msp.congestion-control = \" NewReno \"", "newreno")]
    public void A_known_algorithm_should_be_read(string text, string expected)
    {
        var settings = TestConfig.Load(text).Read(StriperSettingsReader.Read);

        Assert.Equal(expected, MspCongestionAlgorithms.Name(settings.Msp.CongestionControl));
    }

    [Theory]
    [InlineData("striper.msp.congestion-control = cubic", "user.conf: striper.msp.congestion-control must be bbr, westwood or newreno, got 'cubic'")]
    [InlineData("striper.msp.congestion-control = \"\"", "user.conf: striper.msp.congestion-control must be bbr, westwood or newreno, got ''")]
    [InlineData("striper.msp.congestion-control = [bbr]", "user.conf: striper.msp.congestion-control must be a string, got a list")]
    public void A_bad_value_should_be_refused_naming_the_key_and_the_choices(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => TestConfig.Load(text).Read(StriperSettingsReader.Read));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
