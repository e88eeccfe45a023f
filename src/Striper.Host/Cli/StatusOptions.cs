using System.CommandLine;

namespace Striper.Host.Cli;

/// <summary><c>striper status</c>: which control endpoint to ask (null: both roles' defaults), how to show it.</summary>
internal sealed record StatusOptions(string? Control, bool Watch, bool Json, string? TokenFile)
{
    public static StatusOptions From(ParseResult result) => new(
        result.GetValue(StriperCommand.StatusControl),
        result.GetValue(StriperCommand.StatusWatch),
        result.GetValue(StriperCommand.StatusJson),
        result.GetValue(StriperCommand.StatusTokenFile));
}
