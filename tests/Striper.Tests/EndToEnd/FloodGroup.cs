namespace Striper.Tests.EndToEnd;

/// <summary>
/// The flood test counts this process's file descriptors before and after, so it runs alone: another test's
/// sockets opening or closing meanwhile would make the count meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodGroup
{
    public const string Name = "Flood";
}
