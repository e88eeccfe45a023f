namespace Striper.Actors.Buffers;

/// <summary>
/// A pooled byte buffer that travels between actors with exactly one owner at a time.
/// The owner either hands the lease on in a message or calls <see cref="Dispose"/>, which returns the
/// array to the pool once; a second dispose is a bug and throws so it cannot corrupt another owner's data.
/// </summary>
internal sealed class BufferLease : IDisposable
{
    private byte[]? _array;
    private int _start;

    private BufferLease(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; private set; }

    public static BufferLease Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new BufferLease(BufferPool.Arrays.Rent(Math.Max(length, 1)), length);
    }

    public static BufferLease CopyOf(ReadOnlySpan<byte> bytes)
    {
        var lease = Rent(bytes.Length);
        bytes.CopyTo(lease.WritableSpan);
        return lease;
    }

    public ReadOnlySpan<byte> Span => new(Array, _start, Length);

    public ReadOnlyMemory<byte> Memory => new(Array, _start, Length);

    /// <summary>The whole usable region, for filling a freshly rented lease.</summary>
    public Span<byte> WritableSpan => new(Array, _start, Length);

    public Memory<byte> WritableMemory => new(Array, _start, Length);

    /// <summary>The bytes as an array segment, for gather sends.</summary>
    public ArraySegment<byte> Segment => new(Array, _start, Length);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(BufferLease));

    /// <summary>Drops <paramref name="count"/> bytes from the front: a retransmitted chunk that overlaps delivered data.</summary>
    public void TrimStart(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Length);
        _start += count;
        Length -= count;
    }

    /// <summary>Shrinks the lease to the bytes actually filled (a short socket read).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null)
            ?? throw new InvalidOperationException("BufferLease returned to the pool twice.");
        BufferPool.Arrays.Return(array);
    }

    public override string ToString() => $"BufferLease({Length} bytes)";
}
