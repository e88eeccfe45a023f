using System.Buffers;

namespace Striper.Actors.Buffers;

/// <summary>
/// Receive buffers for a leg's frame pipe, from <see cref="BufferPool"/>, charged to the proxy's buffer budget for as
/// long as they are held: a leg that is receiving holds one, an idle one none (it waits for data first), so the
/// budget sees what busy connections really hold rather than a guess per connection.
/// </summary>
internal sealed class BudgetedMemoryPool : MemoryPool<byte>
{
    private readonly BufferBudget _budget;

    public BudgetedMemoryPool(BufferBudget budget) => _budget = budget;

    /// <summary>For legs outside any proxy's budget (tests, tools); one for all of them.</summary>
    public static BudgetedMemoryPool Unbudgeted { get; } = new(BufferBudget.CreateUnlimited());

    public override int MaxBufferSize => BufferPool.MaxArrayLength;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var array = BufferPool.Arrays.Rent(minBufferSize <= 0 ? 4096 : minBufferSize);
        _budget.Charge(array.Length);
        return new Lease(this, array);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Lease(BudgetedMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                BufferPool.Arrays.Return(returned);
                pool._budget.Refund(returned.Length);
            }
        }
    }
}
