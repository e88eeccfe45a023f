using Striper.Actors.Configuration;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Settings;
using Striper.Host.Hosting;

namespace Striper.Tests.Mdp;

/// <summary>
/// The MTU may be raised to what UDP carries (for loopback and jumbo-frame paths), but never so far that a link or a
/// stream could preallocate without bound: those configurations are refused with one sentence naming the keys.
/// </summary>
public sealed class MdpSettingsReaderTests
{
    private static readonly HoconConfig Defaults = ConfigLoader.Defaults();

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
        var error = Assert.Throws<HoconException>(() => Read(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("user.conf:", error.Message, StringComparison.Ordinal);
    }

    private static (MdpSettings Mdp, MspSettings Msp) Read(string text)
    {
        var merged = HoconConfig.Parse(text, "user.conf", _ => null).WithFallback(Defaults);
        var mdp = MdpSettingsReader.ReadMdp(merged);
        return (mdp, MdpSettingsReader.ReadMsp(merged, mdp));
    }
}
