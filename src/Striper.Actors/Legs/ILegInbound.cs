using Akka.Actor;

namespace Striper.Actors.Legs;

/// <summary>
/// What a <see cref="TcpLeg"/> does with the bytes its socket receives. The leg owns the socket and its receive
/// loop; the inbound strategy owns the protocol (raw edge bytes in <see cref="IChunkInbound"/>, substream frames in
/// <see cref="IFrameInbound"/>) and decides which actors hear about them. It runs on the leg's receive loop, never
/// on an actor's mailbox.
/// </summary>
internal interface ILegInbound
{
    /// <summary>
    /// Called once from the leg's PreStart, before its first receive: a strategy announces the leg to its receivers
    /// here, so the announcement is queued ahead of everything the leg will tell them. Announced by anyone else (the
    /// session used to, right after creating the leg), a fast first frame could overtake it and be dropped as coming
    /// from an unknown substream: about one connection in 14,000 then stalled for good.
    /// </summary>
    void Started(IActorRef leg);

    /// <summary>Completes when the strategy may take bytes again (the edge waits for read credit here).</summary>
    ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken);

    /// <summary>The socket's input ended: <paramref name="error"/> is null on a clean FIN.</summary>
    void Completed(Exception? error, long leftoverBytes);
}
