namespace Striper.Actors.Runtime;

public static class ActorRefExtensions
{
    /// <summary>
    /// Tells <paramref name="message"/> keeping the sender of the message being handled, so the final
    /// recipient replies to the original asker. Valid only inside an actor's message handler.
    /// </summary>
    public static void Forward(this IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        var cell = ActorCell.Current
            ?? throw new InvalidOperationException("Forward can only be used inside an actor's message handler");
        target.Tell(message, cell.Sender);
    }

    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and completes with the reply: a reply of type
    /// <typeparamref name="T"/> is the result, <see cref="Status.Failure"/> faults with its cause, any other
    /// reply faults with <see cref="InvalidCastException"/>, and no reply in time faults with
    /// <see cref="AskTimeoutException"/>. The timeout runs on the target system's clock.
    /// </summary>
    public static Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "An Ask timeout must be positive or infinite");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var system = (target as LocalActorRef)?.Cell.ActorSystem;
        var promise = new PromiseActorRef<T>(target, timeout, system);
        promise.Start(system?.TimeProvider ?? TimeProvider.System, cancellationToken);
        target.Tell(message, promise);
        return promise.Task;
    }
}
