namespace Striper.Actors.Msp;

/// <summary>
/// Where an MSP stream or endpoint sends its packets: one datagram per call, delivered at most once, possibly out of
/// order, possibly not at all. A UDP socket or an MDP hop implements it; tests use a lossy in-process link. The caller
/// reuses the buffer after the call returns, so an implementation that keeps the datagram must copy it. Datagrams
/// arriving from the peer reach the owning actor as <see cref="MspProtocol.DatagramReceived"/> messages.
/// Implementations must be safe to call from several actors at once.
/// </summary>
internal interface IDatagramLink
{
    void Send(ReadOnlyMemory<byte> datagram);

    /// <summary>
    /// Opens a burst on the calling thread: datagrams sent until the result is disposed may be held and handed to the
    /// kernel together when it is. Null (nothing to dispose) where a link has no use for it.
    /// </summary>
    IDisposable? BeginBurst() => null;
}
