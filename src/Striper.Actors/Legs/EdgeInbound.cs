using Striper.Actors.Buffers;
using Striper.Actors.Runtime;
using Striper.Actors.Striping;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of an edge leg (the application's or the target's socket): the leg receives into pooled chunks of
/// at most the chunk size and this hands them to the <see cref="Striping.Striper"/>. It asks for only as many bytes
/// as the Striper has granted, so with no credit the leg stops reading and TCP pushes back.
/// </summary>
internal sealed class EdgeInbound : IChunkInbound, IReadCredit
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

    public int NextChunkSize => (int)Math.Clamp(Volatile.Read(ref _budget), 0, _chunkSize);

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

    public void Accept(BufferLease chunk)
    {
        lock (_gate)
        {
            _budget -= chunk.Length;
        }

        _striper.Tell(new StriperProtocol.EdgeData(chunk));
    }

    public void Completed(Exception? error, long leftoverBytes) =>
        _striper.Tell(new StriperProtocol.EdgeEnded(error));
}
