using System.Buffers;
using Striper.Actors.Buffers;
using Striper.Actors.Runtime;
using Striper.Actors.Striping;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of an edge leg (the application's or the target's socket): cuts received bytes into pooled
/// chunks of at most the chunk size and hands them to the <see cref="Striping.Striper"/>. It emits only as
/// many bytes as the Striper has granted, so with no credit the leg stops reading and TCP pushes back.
/// </summary>
internal sealed class EdgeInbound : ILegInbound, IReadCredit
{
    private readonly IActorRef _striper;
    private readonly int _chunkSize;
    private readonly Lock _gate = new();
    private long _budget;
    private TaskCompletionSource? _waiter;

    public EdgeInbound(IActorRef striper, int chunkSize)
    {
        _striper = striper;
        _chunkSize = chunkSize;
    }

    public bool IsBlocked => Volatile.Read(ref _budget) <= 0;

    public void Grant(long bytes)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _budget += bytes;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_budget > 0)
            {
                return ValueTask.CompletedTask;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }

    public string? Process(ref ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            long budget = Volatile.Read(ref _budget);
            if (budget <= 0)
            {
                break;
            }

            var size = (int)Math.Min(Math.Min(buffer.Length, _chunkSize), budget);
            var lease = BufferLease.Rent(size);
            buffer.Slice(0, size).CopyTo(lease.WritableSpan);
            buffer = buffer.Slice(size);
            lock (_gate)
            {
                _budget -= size;
            }

            _striper.Tell(new StriperProtocol.EdgeData(lease));
        }

        return null;
    }

    public void Completed(Exception? error, long leftoverBytes) =>
        _striper.Tell(new StriperProtocol.EdgeEnded(error));
}
