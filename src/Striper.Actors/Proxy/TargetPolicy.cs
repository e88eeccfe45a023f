using System.Net;
using System.Net.Sockets;

namespace Striper.Actors.Proxy;

/// <summary>
/// Decides where a server proxy connects for an OPEN that names a target (a SOCKS client's request): the server's
/// own target always; otherwise only what <c>striper.server.allow</c> lists. A name allowed by name is dialled by
/// name; a target allowed by network is resolved here and dialled at an address the network contains, so a name
/// that later resolves elsewhere cannot lead the server outside the list.
/// </summary>
internal sealed class TargetPolicy(HostPort fixedTarget, IReadOnlyList<TargetPattern> allow)
{
    /// <summary>Where to connect, or null and the reason it is refused; a name that takes longer than <paramref name="timeout"/> to resolve is refused.</summary>
    public async Task<(HostPort? Target, string? Refusal)> ResolveAsync(HostPort requested, TimeSpan timeout)
    {
        if (string.Equals(requested.Host, fixedTarget.Host, StringComparison.OrdinalIgnoreCase) && requested.Port == fixedTarget.Port)
        {
            return (fixedTarget, null);
        }

        var candidates = allow.Where(p => p.MatchesPort(requested.Port)).ToList();
        if (IPAddress.TryParse(requested.Host, out var literal))
        {
            return candidates.Any(p => p.MatchesAddress(literal))
                ? (requested, null)
                : (null, $"{requested} is not in striper.server.allow");
        }

        if (candidates.Any(p => p.MatchesName(requested.Host)))
        {
            return (requested, null);
        }

        if (!candidates.Any(p => p.Network is not null))
        {
            return (null, $"{requested} is not in striper.server.allow");
        }

        IPAddress[] addresses;
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            addresses = await Dns.GetHostAddressesAsync(requested.Host, deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            return (null, $"{requested} is not in striper.server.allow by name, and its name does not resolve ({ex.Message})");
        }
        catch (OperationCanceledException)
        {
            return (null, $"{requested} is not in striper.server.allow by name, and its name did not resolve within {timeout.TotalSeconds:0.#}s");
        }

        var allowed = addresses.FirstOrDefault(a => candidates.Any(p => p.MatchesAddress(a)));
        return allowed is null
            ? (null, $"{requested} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, none in striper.server.allow")
            : (new HostPort(allowed.ToString(), requested.Port), null);
    }
}
