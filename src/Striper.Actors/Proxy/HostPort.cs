using System.Globalization;
using System.Net;

namespace Striper.Actors.Proxy;

/// <summary>
/// A host and port as users write them: <c>host:port</c>, <c>1.2.3.4:5</c> or <c>[::1]:5</c>.
/// The host stays a name until dialled, so DNS is asked at connect time, not at start.
/// </summary>
public readonly record struct HostPort(string Host, int Port)
{
    public static bool TryParse(string text, out HostPort result, out string? error)
    {
        result = default;
        text = text.Trim();
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"'{text}' is not [IPv6]:port";
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' in '{text}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = text.Contains(':', StringComparison.Ordinal) && colon > 0
                    ? $"'{text}' looks like an IPv6 address: write it as [address]:port"
                    : $"'{text}' is not host:port";
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (!TryParsePort(port, out var number, out error))
        {
            error = $"'{text}': {error}";
            return false;
        }

        result = new HostPort(host, number);
        return true;
    }

    public static bool TryParsePort(string text, out int port, out string? error)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"port '{text}' is not a number from 1 to 65535";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The address to bind: a literal, or a name resolved once (listening happens at start).</summary>
    public IPEndPoint ToListenEndPoint()
    {
        if (IPAddress.TryParse(Host, out var address))
        {
            return new IPEndPoint(address, Port);
        }

        var addresses = Dns.GetHostAddresses(Host);
        return addresses.Length > 0
            ? new IPEndPoint(addresses[0], Port)
            : throw new ArgumentException($"'{Host}' has no address to listen on");
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
