using System.Globalization;

namespace Striper.Actors.Runtime;

/// <summary>
/// The temporary sender of an Ask. It is registered nowhere, so once it has released its timer and
/// cancellation registration nothing keeps it alive. Whoever completes it first (reply, timeout or
/// cancellation) claims it, releases those resources, and only then completes the task, so an awaiter
/// never observes a finished Ask that still holds a timer.
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
    private int _claimed;

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
            // Exchange, not a plain write: it fences against the claim check below.
            Interlocked.Exchange(
                ref _timer,
                NonFlowingTimer.Create(time, static state => ((PromiseActorRef<T>)state!).OnTimeout(), this, _timeout, Timeout.InfiniteTimeSpan));
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PromiseActorRef<T>)state!).OnCancelled(token), this);
        }

        // Claimed while the lines above ran (e.g. an already-cancelled token): release what they created.
        if (Volatile.Read(ref _claimed) != 0)
        {
            Release();
        }
    }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TryClaim())
        {
            // A reply after the timeout: report it like any other undeliverable message.
            _system?.DeadLetters.Tell(new DeadLetter(message, sender ?? ActorRefs.Nobody, this));
            return;
        }

        switch (message)
        {
            case T reply:
                _completion.SetResult(reply);
                break;
            case Status.Failure failure:
                _completion.SetException(failure.Cause);
                break;
            default:
                _completion.SetException(new InvalidCastException(
                    $"Ask to {_target.Path} expected a reply of type {typeof(T).Name} but got {message.GetType().Name}"));
                break;
        }
    }

    public override string ToString() => Path;

    private void OnTimeout()
    {
        if (TryClaim())
        {
            var ms = _timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
            _completion.SetException(new AskTimeoutException($"Ask timed out on [{_target.Path}] after [{ms} ms]"));
        }
    }

    private void OnCancelled(CancellationToken token)
    {
        if (TryClaim())
        {
            _completion.SetCanceled(token);
        }
    }

    private bool TryClaim()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
        {
            return false;
        }

        Release();
        return true;
    }

    private void Release()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        // Unregister never waits for a running callback, so it is safe from inside the callback too.
        _cancellation.Unregister();
    }
}
