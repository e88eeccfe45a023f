using System.Globalization;
using System.Net;

namespace Striper.Actors.Proxy;

/// <summary>
/// One entry of <c>striper.server.allow</c>: which targets a SOCKS client may ask the server proxy for.
/// <c>host:port</c> or <c>host:*</c> (a name matches the name asked for, case-insensitively; an address the address),
/// <c>10.0.0.0/8:*</c> or <c>[2001:db8::/32]:443</c> (a network matches the addresses the target resolves to).
/// There is no wildcard host: a server proxy is never an open relay.
/// </summary>
public sealed record TargetPattern(string? Name, IPNetwork? Network, int? Port)
{
    public static bool TryParse(string text, out TargetPattern? pattern, out string? error)
    {
        pattern = null;
        text = text.Trim();
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not HOST:PORT, HOST:*, NETWORK/BITS:PORT or NETWORK/BITS:*";
            return false;
        }

        var hostText = text[..colon];
        var portText = text[(colon + 1)..];
        int? port = null;
        if (portText != "*")
        {
            if (!HostPort.TryParsePort(portText, out var number, out error))
            {
                error = $"'{text}': {error}";
                return false;
            }

            port = number;
        }

        if (hostText.StartsWith('[') && hostText.EndsWith(']'))
        {
            hostText = hostText[1..^1];
        }
        else if (hostText.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}': write an IPv6 address or network in brackets, as [2001:db8::1]:443";
            return false;
        }

        if (hostText is "*" or "" || hostText.Contains('*', StringComparison.Ordinal))
        {
            error = $"'{text}': a wildcard host would make the server an open relay; name hosts or networks";
            return false;
        }

        if (hostText.Contains('/', StringComparison.Ordinal))
        {
            if (!IPNetwork.TryParse(hostText, out var network))
            {
                error = $"'{text}': '{hostText}' is not a network such as 10.0.0.0/8";
                return false;
            }

            pattern = new TargetPattern(null, network, port);
        }
        else
        {
            pattern = IPAddress.TryParse(hostText, out var address)
                ? new TargetPattern(null, new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128), port)
                : new TargetPattern(hostText.ToLowerInvariant(), null, port);
        }

        error = null;
        return true;
    }

    public bool MatchesPort(int port) => Port is null || Port == port;

    public bool MatchesName(string name) => Name is not null && string.Equals(Name, name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    public bool MatchesAddress(IPAddress address) => Network is { } network && network.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    public override string ToString() =>
        (Name ?? (Network is { } n ? (n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{n}]" : n.ToString()) : "?"))
        + ":" + (Port?.ToString(CultureInfo.InvariantCulture) ?? "*");
}
