using System.CommandLine;

namespace Striper.Host.Cli;

/// <summary>The options every command shares.</summary>
internal sealed record CommonOptions(
    string? ConfigFile,
    int? Stripes,
    bool Verbose,
    bool Quiet,
    string? SecretFile = null,
    bool Encrypt = false,
    Actors.Settings.SubstreamTransports? Transport = null,
    string? CongestionControl = null)
{
    public static CommonOptions From(ParseResult result) => new(
        result.GetValue(StriperCommand.ConfigFile),
        result.GetValue(StriperCommand.Stripes),
        result.GetValue(StriperCommand.Verbose),
        result.GetValue(StriperCommand.Quiet),
        result.GetValue(StriperCommand.SecretFile),
        result.GetValue(StriperCommand.Encrypt),
        result.GetValue(StriperCommand.Transport),
        result.GetValue(StriperCommand.CongestionControl));
}
