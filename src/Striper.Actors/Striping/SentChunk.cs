using Striper.Actors.Buffers;

namespace Striper.Actors.Striping;

/// <summary>
/// A chunk the Striper has sent and keeps until acknowledged. <see cref="SubstreamEnd"/> is the substream's
/// cumulative payload count after this chunk, which is what the far side's per-substream ACK reports.
/// <see cref="Shared"/> marks a lease once handed to a leg that was then lost: that leg's mailbox may still
/// hold it, so it is never returned to the pool (the garbage collector takes it) and never modified.
/// <see cref="SentAt"/> is when it went out on its substream (the Striper clock's timestamp).
/// </summary>
internal readonly record struct SentChunk(long Offset, BufferLease Lease, long SubstreamEnd, bool Shared = false, long SentAt = 0)
{
    public void Release()
    {
        if (!Shared)
        {
            Lease.Dispose();
        }
    }
}
