using System.CommandLine;
using Striper.Actors.Identity;
using Striper.Actors.Proxy;

namespace Striper.Host.Cli;

/// <summary>What <c>striper msp listen|connect</c> was asked to do, checked and typed (node options may be null: config decides).</summary>
internal sealed record MspOptions(
    bool IsListen,
    bool Once,
    int? ForwardPort,
    string? Service,
    Sid? Peer,
    int MdpPort,
    IReadOnlyList<HostPort>? Binds,
    IReadOnlyList<HostPort>? Peers,
    string? IdentityFile,
    CommonOptions Common)
{
    public static MspOptions From(ParseResult result, bool isListen)
    {
        Sid? peer = null;
        if (!isListen)
        {
            var text = result.GetValue(StriperCommand.MspSid)!;
            peer = Sid.TryParse(text, out var sid, out var error) ? sid : throw new UsageException($"SID: {error}.");
        }

        var binds = result.GetValue(StriperCommand.MspBind) is { Length: > 0 } b ? b.Select(t => Bindable(t, "--bind")).ToList() : null;
        var peers = result.GetValue(StriperCommand.MspPeer) is { Length: > 0 } p ? p.Select(t => Endpoint(t, "--peer")).ToList() : null;
        return new MspOptions(
            isListen,
            result.GetValue(StriperCommand.MspOnce),
            result.GetValue(StriperCommand.MspForward),
            isListen ? result.GetValue(StriperCommand.MspService) : null,
            peer,
            result.GetValue(StriperCommand.MspPort),
            binds,
            peers,
            result.GetValue(StriperCommand.IdentityFile),
            CommonOptions.From(result));
    }

    /// <summary>A bind address: like any host:port, but port 0 (any free port) is allowed.</summary>
    public static bool TryParseBind(string text, out HostPort endpoint, out string? error)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith(":0", StringComparison.Ordinal) && HostPort.TryParse(trimmed[..^1] + "1", out endpoint, out error))
        {
            endpoint = endpoint with { Port = 0 };
            return true;
        }

        return HostPort.TryParse(text, out endpoint, out error);
    }

    private static HostPort Bindable(string text, string what) =>
        TryParseBind(text, out var endpoint, out var error) ? endpoint : throw new UsageException($"{what}: {error}.");

    private static HostPort Endpoint(string text, string what) =>
        HostPort.TryParse(text, out var endpoint, out var error) ? endpoint : throw new UsageException($"{what}: {error}.");
}
