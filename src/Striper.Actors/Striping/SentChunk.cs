using Striper.Actors.Buffers;

namespace Striper.Actors.Striping;

/// <summary>
/// A chunk the Striper has sent and keeps until acknowledged. <see cref="SubstreamEnd"/> is the substream's
/// cumulative payload count after this chunk, which is what the far side's per-substream ACK reports.
/// </summary>
internal readonly record struct SentChunk(long Offset, BufferLease Lease, long SubstreamEnd);
