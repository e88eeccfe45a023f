using System.Buffers;

namespace Striper.Actors.Legs;

/// <summary>
/// What a <see cref="TcpLeg"/> does with the bytes its socket receives. The leg owns the socket and the
/// buffering; the inbound strategy owns the protocol (raw edge bytes or substream frames) and decides
/// which actors hear about them. It runs on the leg's receive loop, never on an actor's mailbox.
/// </summary>
internal interface ILegInbound
{
    /// <summary>
    /// Consumes what it can from the front of <paramref name="buffer"/> (advancing it), turning bytes into messages.
    /// Returns an error text when the bytes break the protocol; the leg then aborts the socket.
    /// </summary>
    string? Process(ref ReadOnlySequence<byte> buffer);

    /// <summary>Completes when <see cref="Process"/> may make progress again (the edge waits for read credit here).</summary>
    ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken);

    /// <summary>Whether bytes left in the buffer are simply waiting for credit rather than for more input.</summary>
    bool IsBlocked { get; }

    /// <summary>The socket's input ended: <paramref name="error"/> is null on a clean FIN.</summary>
    void Completed(Exception? error, long leftoverBytes);
}
