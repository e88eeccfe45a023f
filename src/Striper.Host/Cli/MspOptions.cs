using System.CommandLine;
using Striper.Actors.Identity;
using Striper.Actors.Mdp.Routing;
using Striper.Actors.Proxy;

namespace Striper.Host.Cli;

/// <summary>What <c>striper msp listen|connect|node|services</c> was asked to do, checked and typed (node options may be null: config decides).</summary>
/// <param name="Service">listen: the name to announce; connect: the name to look up instead of <paramref name="Peer"/> and <paramref name="MdpPort"/>.</param>
internal sealed record MspOptions(
    MspMode Mode,
    bool Once,
    int? ForwardPort,
    string? Service,
    Sid? Peer,
    int MdpPort,
    IReadOnlyList<HostPort>? Binds,
    IReadOnlyList<HostPort>? Peers,
    string? IdentityFile,
    CommonOptions Common,
    int WaitSeconds = 3)
{
    public bool IsListen => Mode == MspMode.Listen;

    public static MspOptions From(ParseResult result, MspMode mode)
    {
        var service = mode is MspMode.Listen or MspMode.Connect ? result.GetValue(StriperCommand.MspService) : null;
        if (service is not null && !MdpService.IsValidName(service, out var nameError))
        {
            throw new UsageException($"--service: {nameError}.");
        }

        Sid? peer = null;
        var port = 0;
        switch (mode)
        {
            case MspMode.Listen:
                port = result.GetValue(StriperCommand.MspPort);
                break;
            case MspMode.Connect:
                var text = result.GetValue(StriperCommand.MspConnectSid);
                var given = result.GetValue(StriperCommand.MspConnectPort);
                if (service is null && (text is null || given is null))
                {
                    throw new UsageException("msp connect needs SID and MDPPORT, or --service NAME.");
                }

                if (service is not null && (text is not null || given is not null))
                {
                    throw new UsageException("msp connect takes SID and MDPPORT, or --service NAME, not both.");
                }

                if (text is not null)
                {
                    peer = Sid.TryParse(text, out var sid, out var error) ? sid : throw new UsageException($"SID: {error}.");
                }

                port = given ?? 0;
                break;
        }

        var binds = result.GetValue(StriperCommand.MspBind) is { Length: > 0 } b ? b.Select(t => Bindable(t, "--bind")).ToList() : null;
        var peers = result.GetValue(StriperCommand.MspPeer) is { Length: > 0 } p ? p.Select(t => Endpoint(t, "--peer")).ToList() : null;
        return new MspOptions(
            mode,
            mode is MspMode.Listen or MspMode.Connect && result.GetValue(StriperCommand.MspOnce),
            mode is MspMode.Listen or MspMode.Connect ? result.GetValue(StriperCommand.MspForward) : null,
            service,
            peer,
            port,
            binds,
            peers,
            result.GetValue(StriperCommand.IdentityFile),
            CommonOptions.From(result),
            mode == MspMode.Services ? result.GetValue(StriperCommand.MspWait) : 3);
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
