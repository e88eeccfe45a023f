using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Control;

/// <summary>
/// Reads <c>striper.control</c> (and --control, which wins): where the control endpoint listens, and its token.
/// "auto" is a fixed loopback port per role, so <c>striper status</c> finds both proxies of a machine without being told.
/// </summary>
internal static class ControlSettings
{
    public const int ClientPort = 9110;
    public const int ServerPort = 9111;

    /// <summary>The addresses <c>striper status</c> asks when given none: the two roles' defaults.</summary>
    public static IReadOnlyList<string> DefaultAddresses { get; } = [$"127.0.0.1:{ClientPort}", $"127.0.0.1:{ServerPort}"];

    /// <summary>Null when the endpoint is off. Whether a default address is free is for the caller to ask (<see cref="IsFree"/>).</summary>
    public static ControlOptions? Read(Config config, string? flag, bool isClient)
    {
        var fromFlag = flag is not null;
        var text = (flag ?? ConfigValues.GetString(config, "striper.control.listen")).Trim();
        var what = fromFlag ? "--control" : "striper.control.listen";
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var isDefault = text.Equals("auto", StringComparison.OrdinalIgnoreCase);
        IPEndPoint listen;
        if (isDefault)
        {
            listen = new IPEndPoint(IPAddress.Loopback, isClient ? ClientPort : ServerPort);
        }
        else if (!HostPort.TryParse(text, out var hostPort, out var error))
        {
            throw Bad(fromFlag, what, $"{what} must be auto, off or HOST:PORT, got '{text}' ({error})");
        }
        else
        {
            try
            {
                listen = hostPort.ToListenEndPoint();
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException)
            {
                throw Bad(fromFlag, what, $"{what}: cannot resolve '{hostPort.Host}' to an address to listen on ({ex.Message})");
            }
        }

        var tokenFile = ConfigValues.GetString(config, "striper.control.token-file");
        var token = tokenFile.Length == 0 ? null : SecretFile.ReadPrivateText(tokenFile, "control token file").Trim();
        if (token is { Length: 0 })
        {
            throw new ConfigException($"control token file {tokenFile} is empty", ["striper.control.token-file"]);
        }

        if (token is null && !IPAddress.IsLoopback(listen.Address))
        {
            throw Bad(fromFlag, what,
                $"the control endpoint on {listen} would show every connection to anyone who reaches it: set striper.control.token-file, or listen on loopback");
        }

        return new ControlOptions(listen, isDefault, token);
    }

    /// <summary>The endpoint's base address for people and browsers: a wildcard listen address is reached on loopback.</summary>
    public static string Url(IPEndPoint listen)
    {
        var host = listen.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : listen.Address;
        return $"http://{new IPEndPoint(host, listen.Port)}/";
    }

    /// <summary>A port free on <paramref name="address"/> now (the kernel's choice), for the demo's endpoint when the default is taken.</summary>
    public static int FreePort(IPAddress address)
    {
        using var probe = ListenSocket.Bind(new IPEndPoint(address, 0), backlog: 1);
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static Exception Bad(bool fromFlag, string key, string message) =>
        fromFlag ? new UsageException(message + ".") : new ConfigException(message, [key]);

    /// <summary>A look before Kestrel binds, so a taken default port means "run without", not a failed start.</summary>
    public static bool IsFree(IPEndPoint endPoint)
    {
        try
        {
            ListenSocket.Bind(endPoint, backlog: 1).Dispose();
            return true;
        }
        catch (ProxyStartException)
        {
            return false;
        }
    }
}
