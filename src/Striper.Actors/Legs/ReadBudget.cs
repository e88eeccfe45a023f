namespace Striper.Actors.Legs;

/// <summary>
/// How much a leg's receive loop may still pass on before it must wait: the edge spends the Striper's read credit,
/// a substream the room its receivers have left. Spending is lock-free; only a loop that has run out parks, and the
/// first return that makes room again wakes it.
/// </summary>
internal sealed class ReadBudget
{
    private readonly Lock _gate = new();
    private long _available;
    private TaskCompletionSource? _waiter;

    public ReadBudget(long initial)
    {
        _available = initial;
    }

    public long Available => Volatile.Read(ref _available);

    public void Spend(long amount) => Interlocked.Add(ref _available, -amount);

    public void Return(long amount)
    {
        if (Interlocked.Add(ref _available, amount) <= 0)
        {
            return;
        }

        TaskCompletionSource? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes once something is available.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            // Checked under the lock: a Return that makes room after this check takes the lock later, and sees the waiter.
            if (Available > 0)
            {
                return ValueTask.CompletedTask;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }
}
