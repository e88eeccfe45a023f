using System.CommandLine;
using Striper.Actors.Proxy;

namespace Striper.Host.Cli;

/// <summary>What the command line says about the proxy to run, already checked and typed.</summary>
internal sealed record ProxyOptions(bool IsClient, HostPort Listen, HostPort Remote, CommonOptions Common, bool Insecure = false, string? Control = null, bool Socks5 = false)
{
    public static ProxyOptions From(ParseResult result)
    {
        var common = CommonOptions.From(result);
        if (result.GetValue(StriperCommand.Client) is { Length: > 0 } client)
        {
            var listen = ParseEndpoint(client[0], "LISTEN");
            var peer = client.Length == 3
                ? new HostPort(client[1], ParsePort(client[2], "PEERPORT"))
                : ParseEndpoint(client[1], "PEERHOST:PEERPORT");
            return new ProxyOptions(
                true, listen, peer, common, result.GetValue(StriperCommand.Insecure), result.GetValue(StriperCommand.Control), result.GetValue(StriperCommand.Socks5));
        }

        var server = result.GetValue(StriperCommand.Server)!;
        return new ProxyOptions(
            false, ParseEndpoint(server[0], "LISTEN"), ParseEndpoint(server[1], "TARGET"), common, result.GetValue(StriperCommand.Insecure), result.GetValue(StriperCommand.Control));
    }

    private static HostPort ParseEndpoint(string text, string what) =>
        HostPort.TryParse(text, out var endpoint, out var error) ? endpoint : throw new UsageException($"{what}: {error}.");

    private static int ParsePort(string text, string what) =>
        HostPort.TryParsePort(text, out var port, out var error) ? port : throw new UsageException($"{what}: {error}.");
}
