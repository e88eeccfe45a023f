using Striper.Actors.Proxy;

namespace Striper.Tests.Proxy;

public sealed class HostPortTests
{
    [Theory]
    [InlineData("127.0.0.1:22", "127.0.0.1", 22)]
    [InlineData("example.org:443", "example.org", 443)]
    [InlineData("[::1]:22222", "::1", 22222)]
    [InlineData("[fe80::1]:1", "fe80::1", 1)]
    [InlineData(" 0.0.0.0:65535 ", "0.0.0.0", 65535)]
    public void TryParse_should_accept_the_forms_users_write(string text, string host, int port)
    {
        Assert.True(HostPort.TryParse(text, out var result, out var error), error);
        Assert.Equal(new HostPort(host, port), result);
    }

    [Theory]
    [InlineData("localhost", "not host:port")]
    [InlineData("host:0", "not a number from 1 to 65535")]
    [InlineData("host:70000", "not a number from 1 to 65535")]
    [InlineData("host:ssh", "not a number")]
    [InlineData("::1:22", "write it as [address]:port")]
    [InlineData("[::1]22", "is not [IPv6]:port")]
    [InlineData("[nonsense]:22", "is not an IPv6 address")]
    [InlineData(":22", "not host:port")]
    public void TryParse_should_explain_what_is_wrong(string text, string reason)
    {
        Assert.False(HostPort.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_should_bracket_IPv6()
    {
        Assert.Equal("[::1]:5", new HostPort("::1", 5).ToString());
        Assert.Equal("a:5", new HostPort("a", 5).ToString());
    }
}
