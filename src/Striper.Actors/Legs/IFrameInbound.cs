using System.Buffers;

namespace Striper.Actors.Legs;

/// <summary>
/// An inbound strategy that parses a byte stream: the leg receives into a pipe and offers everything buffered,
/// because a frame may straddle any number of socket reads.
/// </summary>
internal interface IFrameInbound : ILegInbound
{
    /// <summary>Whether bytes left in the buffer are simply waiting for the strategy rather than for more input.</summary>
    bool IsBlocked { get; }

    /// <summary>
    /// Consumes what it can from the front of <paramref name="buffer"/> (advancing it), turning bytes into messages.
    /// Returns an error text when the bytes break the protocol; the leg then aborts the socket.
    /// </summary>
    string? Process(ref ReadOnlySequence<byte> buffer);
}
