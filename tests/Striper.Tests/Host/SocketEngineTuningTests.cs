using Striper.Actors.Settings;
using Striper.Host.Hosting;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>striper.inline-socket-completions reaches the runtime's variable, and a variable the user set is left alone.</summary>
public sealed class SocketEngineTuningTests
{
    [Theory]
    [InlineData(null, "1")]
    [InlineData("striper.inline-socket-completions = off", "0")]
    [InlineData("striper.inline-socket-completions = on", "1")]
    public void The_setting_should_become_the_runtime_variable(string? userText, string expected)
    {
        var environment = new Dictionary<string, string>();
        var config = userText is null ? TestConfig.Defaults : TestConfig.Load(userText).Merged;

        SocketEngineTuning.Apply(config, environment.GetValueOrDefault, (name, value) => environment[name] = value);

        Assert.Equal(expected, environment[SocketEngineTuning.InlineCompletionsVariable]);
    }

    [Fact]
    public void A_variable_the_user_set_should_win_over_the_setting()
    {
        var environment = new Dictionary<string, string> { [SocketEngineTuning.InlineCompletionsVariable] = "0" };

        SocketEngineTuning.Apply(TestConfig.Defaults, environment.GetValueOrDefault, (name, value) => environment[name] = value);

        Assert.Equal("0", environment[SocketEngineTuning.InlineCompletionsVariable]);
    }

    [Fact]
    public void A_setting_that_is_not_a_boolean_should_be_refused_naming_it()
    {
        var config = TestConfig.Load("striper.inline-socket-completions = sometimes");

        var error = Assert.Throws<ConfigException>(() => config.Use(merged => SocketEngineTuning.Apply(merged, _ => null, (_, _) => { })));

        Assert.Contains("inline-socket-completions", error.Message, StringComparison.Ordinal);
        Assert.Contains("user.conf", error.Message, StringComparison.Ordinal);
    }
}
