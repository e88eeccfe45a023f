namespace Striper.Actors.Runtime;

/// <summary>
/// Per-actor timers that deliver messages to Self. Use only from inside the actor. A key identifies a
/// timer: starting one with an existing key replaces it, and a message from a cancelled or replaced timer
/// is never delivered, even if it was already queued. All timers are cancelled on stop and restart.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan delay);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    void Cancel(object key);

    void CancelAll();
}
