namespace Striper.Tests.Lab;

/// <summary>
/// Lab tests compare rates, so they run alone, after every other test: on a 2-core machine a parallel
/// end-to-end test would take the CPU the proxies need and make a rate bound flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabGroup
{
    public const string Name = "Lab";
}
