using Striper.Actors.Proxy;

namespace Striper.Tests.Proxy;

/// <summary>striper.server.allow: which targets a SOCKS client may reach through the server proxy, and that no entry makes an open relay.</summary>
public sealed class TargetPolicyTests
{
    private static readonly HostPort Fixed = new("127.0.0.1", 22);

    [Theory]
    [InlineData("*:*")]
    [InlineData("*:443")]
    [InlineData("*.example.org:443")]
    public void A_wildcard_host_should_be_refused_as_an_open_relay(string text)
    {
        Assert.False(TargetPattern.TryParse(text, out _, out var error));
        Assert.Contains("open relay", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.org", "is not HOST:PORT")]
    [InlineData("10.0.0.0/33:*", "is not a network")]
    [InlineData("2001:db8::/32:*", "in brackets")]
    [InlineData("host:70000", "70000")]
    public void A_malformed_entry_should_be_refused_naming_it(string text, string reason)
    {
        Assert.False(TargetPattern.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", 22, true)]
    [InlineData("files.example.org", 443, true)]
    [InlineData("FILES.example.org", 443, true)]
    [InlineData("files.example.org", 80, false)]
    [InlineData("mirror.example.org", 8080, true)]
    [InlineData("10.1.2.3", 9000, true)]
    [InlineData("11.1.2.3", 9000, false)]
    [InlineData("2001:db8::7", 443, true)]
    [InlineData("2001:db9::7", 443, false)]
    [InlineData("elsewhere.example.org", 443, false)]
    public async Task Only_the_fixed_target_and_listed_ones_should_be_allowed(string host, int port, bool allowed)
    {
        var policy = Policy("files.example.org:443", "mirror.example.org:*", "10.0.0.0/8:*", "[2001:db8::/32]:443");

        var (target, refusal) = await policy.ResolveAsync(new HostPort(host, port), TimeSpan.FromSeconds(10));

        Assert.Equal(allowed, target is not null);
        Assert.Equal(allowed, refusal is null);
    }

    [Fact]
    public async Task A_name_allowed_by_network_should_be_dialled_at_the_address_that_made_it_allowed()
    {
        var policy = Policy("127.0.0.0/8:*");

        var (target, refusal) = await policy.ResolveAsync(new HostPort("localhost", 8080), TimeSpan.FromSeconds(10));
        var (outside, why) = await Policy("10.0.0.0/8:*").ResolveAsync(new HostPort("localhost", 8080), TimeSpan.FromSeconds(10));

        Assert.Null(refusal);
        Assert.Equal(new HostPort("127.0.0.1", 8080), target);
        Assert.Null(outside);
        Assert.Contains("none in striper.server.allow", why, StringComparison.Ordinal);
    }

    private static TargetPolicy Policy(params string[] entries) =>
        new(Fixed, [.. entries.Select(e => TargetPattern.TryParse(e, out var p, out var error) ? p! : throw new ArgumentException(error))]);
}
