using System.Buffers;

namespace Striper.Actors.Buffers;

/// <summary>
/// Where every data buffer comes from and goes back to. The runtime's shared pool keeps only a few dozen arrays of
/// each size (32 per core); a proxy with many busy connections holds hundreds of chunks at once (until the far
/// side acknowledges them), so past those few it allocated a fresh array for each chunk and dropped one on each
/// return, and the dropped ones sat on the large object heap until a full collection: 131 MiB of them in one
/// receiving proxy with 16 connections through a throttle. This pool keeps every array it is given back, so the
/// arrays that exist are the most that were ever in use at once, which the buffer budget bounds.
/// </summary>
internal static class BufferPool
{
    /// <summary>The largest array kept: a sealed DATA frame of the largest payload fits.</summary>
    public const int MaxArrayLength = 2 * Wire.ProtocolConstants.AbsoluteMaxPayload;

    public static ArrayPool<byte> Arrays { get; } = ArrayPool<byte>.Create(MaxArrayLength, maxArraysPerBucket: 16 * 1024);
}
