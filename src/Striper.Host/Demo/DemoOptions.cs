using System.CommandLine;
using Striper.Host.Cli;

namespace Striper.Host.Demo;

internal sealed record DemoOptions(string? Size, CommonOptions Common)
{
    public static DemoOptions From(ParseResult result) => new(result.GetValue(StriperCommand.DemoSize), CommonOptions.From(result));
}
