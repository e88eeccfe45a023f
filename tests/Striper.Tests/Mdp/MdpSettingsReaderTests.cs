using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// The MTU may be raised to what UDP carries (for loopback and jumbo-frame paths), but never so far that a link or a
/// stream could preallocate without bound: those configurations are refused with one sentence naming the keys.
/// </summary>
public sealed class MdpSettingsReaderTests
{
    [Fact]
    public void A_jumbo_mtu_with_windows_counted_in_fewer_messages_should_load()
    {
        var (mdp, msp) = Read("""
            striper.mdp.mtu = 16384
            striper.mdp.hop-window = 256
            striper.msp.max-message-size = 16000
            striper.msp.send-buffer = 512
            striper.msp.receive-window = 512
            """);

        Assert.Equal(16384, mdp.Mtu);
        Assert.Equal(16000, msp.MaxMessageSize);
        Assert.True(mdp.LinkMemory <= MdpSettings.MaxLinkMemory);
        Assert.True(msp.StreamMemory <= MspSettings.MaxStreamMemory);
    }

    [Theory]
    [InlineData("striper.mdp.mtu = 65508", "striper.mdp.mtu must be between 108 and 65507, got 65508")]
    [InlineData("striper.mdp.mtu = 65507", "MiB per neighbour link; at most 32 MiB")]
    [InlineData("striper.mdp.mtu = 65507\nstriper.mdp.hop-window = 512\nstriper.msp.max-message-size = 65000", "MiB per stream; at most 256 MiB")]
    [InlineData("striper.msp.max-message-size = 1400", "must fit the 1356 bytes an MDP datagram carries under striper.mdp.mtu (1400)")]
    public void Sizes_that_do_not_fit_or_would_hold_too_much_memory_should_be_refused_naming_the_keys(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("user.conf: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Link_timeout_and_hello_budget_should_default_to_four_keepalives_and_200_a_second()
    {
        var (mdp, _) = Read("");

        Assert.Equal(TimeSpan.FromSeconds(8), mdp.LinkTimeout);
        Assert.Equal(mdp.HelloKeepalive * 4, mdp.LinkTimeout);
        Assert.Equal(200, mdp.MaxHellosPerSecond);
        Assert.Equal(MdpSettings.Default.LinkTimeout, mdp.LinkTimeout);
        Assert.Equal(MdpSettings.Default.MaxHellosPerSecond, mdp.MaxHellosPerSecond);
    }

    [Theory]
    [InlineData("striper.mdp.link-timeout = 2s", "striper.mdp.link-timeout (2s) must be longer than striper.mdp.hello-keepalive (2s)")]
    [InlineData("striper.mdp.hello-keepalive = 1m", "user.conf: striper.mdp.link-timeout (8s) must be longer than striper.mdp.hello-keepalive (60s)")]
    [InlineData("striper.mdp.route-timeout = 10s", "user.conf: striper.mdp.route-timeout (10s) must be longer than twice striper.mdp.announce-interval (5s)")]
    [InlineData("striper.mdp.link-timeout = 0s", "striper.mdp.link-timeout must be a positive duration")]
    [InlineData("striper.mdp.max-hellos-per-second = 0", "striper.mdp.max-hellos-per-second must be between 1 and 1000000, got 0")]
    public void A_link_timeout_within_a_keepalive_or_a_zero_hello_budget_should_be_refused_naming_the_keys(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("user.conf: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_timeout_just_over_the_keepalive_should_load()
    {
        var (mdp, _) = Read("striper.mdp.hello-keepalive = 2s\nstriper.mdp.link-timeout = 2500ms\nstriper.mdp.max-hellos-per-second = 1");

        Assert.Equal(TimeSpan.FromMilliseconds(2500), mdp.LinkTimeout);
        Assert.Equal(1, mdp.MaxHellosPerSecond);
    }

    private static (MdpSettings Mdp, MspSettings Msp) Read(string text)
    {
        var loaded = TestConfig.Load(text);
        var mdp = loaded.Read(MdpSettingsReader.ReadMdp);
        return (mdp, loaded.Read(config => MdpSettingsReader.ReadMsp(config, mdp)));
    }
}
