using System.Diagnostics;
using Striper.Actors.Runtime;
using Xunit.Sdk;

namespace Striper.Tests.TestKit;

/// <summary>
/// An <see cref="IActorRef"/> that queues what it is told so a test can assert on it. It is not an actor;
/// it joins death watch through the runtime's internal system-message hook, so it can watch actors.
/// </summary>
public sealed class TestProbe : IActorRef, IInternalActorRef
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    private readonly object _lock = new(); // a Monitor, not a Lock: receivers wait on it
    private readonly Queue<(object Message, IActorRef Sender)> _queue = new();
    private long? _deadline;

    public TestProbe(ActorSystem system, string name)
    {
        ArgumentNullException.ThrowIfNull(system);
        Path = $"striper://{system.Name}/system/{name}";
    }

    public string Path { get; }

    /// <summary>Sender of the last message received by an Expect or Fish call.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            _queue.Enqueue((message, sender ?? ActorRefs.Nobody));
            Monitor.PulseAll(_lock);
        }
    }

    void IInternalActorRef.SendSystemMessage(SystemMessage message)
    {
        // The probe never dies, so Watch/Unwatch of the probe need no bookkeeping; it only hears deaths.
        if (message.Kind == SystemMessageKind.DeathWatchNotification && message.Subject is { } dead)
        {
            Tell(new Terminated(dead), dead);
        }
    }

    public void Watch(IActorRef target) => Internal(target).SendSystemMessage(SystemMessage.Watch(this));

    public void Unwatch(IActorRef target) => Internal(target).SendSystemMessage(SystemMessage.Unwatch(this));

    public void Reply(object message) => LastSender.Tell(message, this);

    public T ExpectMsg<T>(TimeSpan? timeout = null) => ExpectMsg<T>(static _ => true, timeout);

    public T ExpectMsg<T>(Predicate<T> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var wait = Timeout(timeout);
        var started = Stopwatch.GetTimestamp();
        if (!TryReceive(wait, out var message, out var sender))
        {
            throw new XunitException($"{Path}: timeout ({Ms(wait)}) waiting for a message of type {typeof(T).Name}");
        }

        var after = Ms(Stopwatch.GetElapsedTime(started));
        if (message is not T typed)
        {
            throw new XunitException(
                $"{Path}: expected a message of type {typeof(T).Name} but received {Describe(message)} from {sender.Path} after {after}");
        }

        if (!predicate(typed))
        {
            throw new XunitException($"{Path}: received {Describe(message)} after {after}, which does not match the expectation");
        }

        return typed;
    }

    /// <summary>Takes the next message if one arrives within <paramref name="wait"/>; it must be a <typeparamref name="T"/>.</summary>
    public bool TryExpectMsg<T>(TimeSpan wait, out T typed)
    {
        typed = default!;
        if (!TryReceive(wait, out var message, out var sender))
        {
            return false;
        }

        typed = message is T t
            ? t
            : throw new XunitException($"{Path}: expected a message of type {typeof(T).Name} but received {Describe(message)} from {sender.Path}");
        return true;
    }

    public void ExpectNoMsg(TimeSpan duration)
    {
        if (TryReceive(duration, out var message, out var sender))
        {
            throw new XunitException($"{Path}: expected no message for {Ms(duration)} but received {Describe(message)} from {sender.Path}");
        }
    }

    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var wait = Timeout(timeout);
        if (!TryReceive(wait, out var message, out _))
        {
            throw new XunitException($"{Path}: timeout ({Ms(wait)}) waiting for Terminated({target.Path})");
        }

        if (message is not Terminated terminated || !ReferenceEquals(terminated.ActorRef, target))
        {
            throw new XunitException($"{Path}: expected Terminated({target.Path}) but received {Describe(message)}");
        }

        return terminated;
    }

    /// <summary>Skips messages until one of type <typeparamref name="T"/> matches; fails when time runs out.</summary>
    public T FishForMessage<T>(Predicate<T> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var wait = Timeout(timeout);
        var started = Stopwatch.GetTimestamp();
        var skipped = new List<string>();
        while (true)
        {
            var left = wait - Stopwatch.GetElapsedTime(started);
            if (left < TimeSpan.Zero || !TryReceive(left, out var message, out _))
            {
                throw new XunitException(
                    $"{Path}: timeout ({Ms(wait)}) fishing for {typeof(T).Name}; skipped [{string.Join(", ", skipped)}]");
            }

            if (message is T typed && predicate(typed))
            {
                return typed;
            }

            skipped.Add(Describe(message));
        }
    }

    /// <summary>Fails if <paramref name="body"/> takes longer than <paramref name="max"/>; inside it, default timeouts shrink to the time left.</summary>
    public void Within(TimeSpan max, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var started = Stopwatch.GetTimestamp();
        var outer = _deadline;
        var deadline = started + (long)(max.TotalSeconds * Stopwatch.Frequency);
        _deadline = outer is { } o && o < deadline ? o : deadline;
        try
        {
            body();
        }
        finally
        {
            _deadline = outer;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed > max)
        {
            throw new XunitException($"Within({Ms(max)}): the block took {Ms(elapsed)}");
        }
    }

    public override string ToString() => Path;

    private static IInternalActorRef Internal(IActorRef target) =>
        target as IInternalActorRef ?? throw new ArgumentException($"{target.Path} cannot be watched", nameof(target));

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static string Describe(object message) => $"{message.GetType().Name} [{message}]";

    private TimeSpan Timeout(TimeSpan? requested)
    {
        if (requested is { } explicitTimeout)
        {
            return explicitTimeout;
        }

        if (_deadline is { } deadline)
        {
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            return left < TimeSpan.Zero ? TimeSpan.Zero : left < DefaultTimeout ? left : DefaultTimeout;
        }

        return DefaultTimeout;
    }

    private bool TryReceive(TimeSpan timeout, out object message, out IActorRef sender)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            while (_queue.Count == 0)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || !Monitor.Wait(_lock, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
                {
                    if (_queue.Count == 0)
                    {
                        message = null!;
                        sender = ActorRefs.Nobody;
                        return false;
                    }
                }
            }

            (message, sender) = _queue.Dequeue();
        }

        LastSender = sender;
        return true;
    }
}
