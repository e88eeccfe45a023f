namespace Striper.Actors.Legs;

/// <summary>
/// A leg that can queue a frame header with a small inline payload. TCP and MSP legs queue differently (pooled
/// gather segments, MSP messages); the frames themselves are built once, in <see cref="FrameWriterExtensions"/>.
/// </summary>
internal interface IFrameWriter
{
    /// <summary>Queues the header and its inline payload; false once the leg's output has ended.</summary>
    bool WriteHeader(Wire.FrameHeader header, ReadOnlySpan<byte> inlinePayload);
}
