namespace Striper.Tests.Fuzz;

/// <summary>What <see cref="FrameFeeder"/> saw: the frames delivered, the error if any, and the worst buffering and allocation.</summary>
internal sealed record FeedResult(
    IReadOnlyList<WireFrame> Frames,
    string? Error,
    long Leftover,
    long MaxLeftover,
    long MaxExcessAllocation,
    string? EndReason);
