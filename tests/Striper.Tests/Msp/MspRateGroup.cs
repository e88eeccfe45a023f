namespace Striper.Tests.Msp;

/// <summary>
/// MSP tests that compare rates run alone: on a 2-core machine a parallel test would take the CPU the two streams
/// need and make a ratio bound flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MspRateGroup
{
    public const string Name = "MspRate";
}
