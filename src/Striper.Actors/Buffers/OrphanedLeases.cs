namespace Striper.Actors.Buffers;

/// <summary>
/// Buffers a stopping Striper still held for the far side (sent, not yet acknowledged) when its connection ended.
/// It cannot return them itself: a sibling leg's socket may still be sending from them. Its session returns them
/// once every child has stopped and so every leg's socket is closed. Left to the garbage collector instead, they sat
/// on the large object heap until a full collection: a proxy whose connections ended by reset (iperf3 ends its
/// tests that way) grew by up to a credit window per connection.
/// </summary>
internal sealed class OrphanedLeases
{
    private readonly Lock _lock = new();
    private readonly HashSet<BufferLease> _leases = new(ReferenceEqualityComparer.Instance);

    public void Add(BufferLease lease)
    {
        lock (_lock)
        {
            _leases.Add(lease);
        }
    }

    public void ReturnAll()
    {
        lock (_lock)
        {
            foreach (var lease in _leases)
            {
                lease.Dispose();
            }

            _leases.Clear();
        }
    }
}
