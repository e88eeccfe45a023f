namespace Striper.Actors.Legs;

/// <summary>Why a session was reset; travels in RST frames so both ends log the same cause.</summary>
internal enum SessionAbortReason
{
    EdgeReset = 1,
    EdgeWriteFailed = 2,
    SubstreamsLost = 3,
    ProtocolError = 4,
    Shutdown = 5,
}
