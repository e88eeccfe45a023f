namespace Striper.Actors.Msp;

/// <summary>
/// A stream's state as its owner sees it, the flags of Serval's msp_client API (seed 001): they combine, e.g.
/// ShutdownRemote | DataOut while the local side may still send after the peer finished.
/// </summary>
[Flags]
internal enum MspState
{
    None = 0,

    /// <summary>The stream accepts messages up to the announced send limit.</summary>
    DataOut = 1,

    /// <summary>The peer has finished sending; every message it sent has been delivered.</summary>
    ShutdownRemote = 2,

    /// <summary>The stream is over. Reported exactly once; with <see cref="Error"/> if it did not end cleanly.</summary>
    Closed = 4,

    Error = 8,
}
