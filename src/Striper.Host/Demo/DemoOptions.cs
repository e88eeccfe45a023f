using System.CommandLine;
using Striper.Host.Cli;

namespace Striper.Host.Demo;

internal sealed record DemoOptions(string? Size, CommonOptions Common, string? Control = null)
{
    public static DemoOptions From(ParseResult result) =>
        new(result.GetValue(StriperCommand.DemoSize), CommonOptions.From(result), result.GetValue(StriperCommand.Control));
}
