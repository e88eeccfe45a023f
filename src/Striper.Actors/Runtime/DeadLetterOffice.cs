using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>
/// Where undeliverable messages end up. They are logged at Debug with the message type and paths only
/// (payloads may carry user data), at most <see cref="MaxLoggedPerSecond"/> per second so that a flood,
/// e.g. a socket loop telling a dead connection actor, cannot drown the log; the rest are counted and
/// the count is logged when the next window opens. Tests subscribe to see every dead letter. A message that
/// carries a buffer for its recipient (<see cref="IOwnsResources"/>) gives it back here.
/// </summary>
internal sealed partial class DeadLetterOffice
{
    internal const int MaxLoggedPerSecond = 10;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private IActorRef[] _subscribers = [];
    private long _windowStart;
    private bool _windowOpen;
    private int _loggedInWindow;
    private int _suppressed;

    public DeadLetterOffice(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    public void Subscribe(IActorRef subscriber)
    {
        lock (_lock)
        {
            Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);
        }
    }

    public void Unsubscribe(IActorRef subscriber)
    {
        lock (_lock)
        {
            var kept = new List<IActorRef>(_subscribers.Length);
            foreach (var existing in _subscribers)
            {
                if (!ReferenceEquals(existing, subscriber))
                {
                    kept.Add(existing);
                }
            }

            Volatile.Write(ref _subscribers, [.. kept]);
        }
    }

    public void Publish(DeadLetter deadLetter)
    {
        // Released before anyone hears of it: a subscriber sees what was lost, and never owns it.
        if (deadLetter.Message is IOwnsResources owned)
        {
            owned.ReleaseUndelivered();
        }

        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            // A dead subscriber would otherwise feed its own dead letters back to itself forever.
            if (!ReferenceEquals(subscriber, deadLetter.Recipient))
            {
                subscriber.Tell(deadLetter, ActorRefs.Nobody);
            }
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogRateLimited(deadLetter);
        }

    }

    private void LogRateLimited(DeadLetter deadLetter)
    {
        int suppressedBefore = 0;
        bool log;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (!_windowOpen || _time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                suppressedBefore = _suppressed;
                _windowOpen = true;
                _windowStart = now;
                _loggedInWindow = 0;
                _suppressed = 0;
            }

            log = _loggedInWindow < MaxLoggedPerSecond;
            if (log)
            {
                _loggedInWindow++;
            }
            else
            {
                _suppressed++;
            }
        }

        if (suppressedBefore > 0)
        {
            Log.Suppressed(_logger, suppressedBefore, MaxLoggedPerSecond);
        }

        if (log)
        {
            Log.DeadLetter(_logger, deadLetter.Message.GetType().FullName, deadLetter.Recipient.Path, deadLetter.Sender.Path);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Debug,
            Message = "Dead letter: {MessageType} to {Recipient} from {Sender}")]
        public static partial void DeadLetter(ILogger logger, string? messageType, string recipient, string sender);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
            Message = "{Count} dead letters were not logged (limit {Limit} per second)")]
        public static partial void Suppressed(ILogger logger, int count, int limit);
    }
}
