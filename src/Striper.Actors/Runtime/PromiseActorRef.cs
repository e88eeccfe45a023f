using System.Globalization;

namespace Striper.Actors.Runtime;

/// <summary>
/// The temporary sender of an Ask. It is registered nowhere: once completed it has released its timer
/// and cancellation registration, so nothing keeps it alive and nothing leaks.
/// </summary>
internal sealed class PromiseActorRef<T> : IActorRef
{
    private static long _nextId;

    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IActorRef _target;
    private readonly TimeSpan _timeout;
    private readonly ActorSystem? _system;
    private readonly long _id = Interlocked.Increment(ref _nextId);
    private ITimer? _timer;
    private CancellationTokenRegistration _cancellation;

    public PromiseActorRef(IActorRef target, TimeSpan timeout, ActorSystem? system)
    {
        _target = target;
        _timeout = timeout;
        _system = system;
    }

    public string Path => $"striper://{_system?.Name ?? "local"}/temp/ask-{_id}";

    public Task<T> Task => _completion.Task;

    public void Start(TimeProvider time, CancellationToken cancellationToken)
    {
        if (_timeout != Timeout.InfiniteTimeSpan)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _timer = time.CreateTimer(static state => ((PromiseActorRef<T>)state!).OnTimeout(), this, _timeout, Timeout.InfiniteTimeSpan);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((PromiseActorRef<T>)state!).Complete(c => c.TrySetCanceled(token)), this);
        }

        // Completion may have raced with the assignments above; release whatever they created.
        if (Task.IsCompleted)
        {
            Release();
        }
    }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var completed = message switch
        {
            T reply => Complete(c => c.TrySetResult(reply)),
            Status.Failure failure => Complete(c => c.TrySetException(failure.Cause)),
            _ => Complete(c => c.TrySetException(new InvalidCastException(
                $"Ask to {_target.Path} expected a reply of type {typeof(T).Name} but got {message.GetType().Name}"))),
        };
        if (!completed)
        {
            // A reply after the timeout: report it like any other undeliverable message.
            _system?.DeadLetters.Tell(new DeadLetter(message, sender ?? ActorRefs.Nobody, this));
        }
    }

    public override string ToString() => Path;

    private void OnTimeout()
    {
        var ms = _timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        Complete(c => c.TrySetException(new AskTimeoutException($"Ask timed out on [{_target.Path}] after [{ms} ms]")));
    }

    private bool Complete(Func<TaskCompletionSource<T>, bool> complete)
    {
        if (!complete(_completion))
        {
            return false;
        }

        Release();
        return true;
    }

    private void Release()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        _cancellation.Dispose();
    }
}
