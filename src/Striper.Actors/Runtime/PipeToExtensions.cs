namespace Striper.Actors.Runtime;

/// <summary>
/// Akka's PipeTo: turns the outcome of a task into a message for an actor, so async work (dialling,
/// handshakes) never runs on or blocks a mailbox and its result is handled one message at a time.
/// </summary>
public static class PipeToExtensions
{
    public static void PipeTo<T>(this Task<T> task, IActorRef recipient, Func<T, object> success, Func<Exception, object> failure)
    {
        task.ContinueWith(
            static (t, state) =>
            {
                var (recipient, success, failure) = ((IActorRef, Func<T, object>, Func<Exception, object>))state!;
                recipient.Tell(t.IsCompletedSuccessfully
                    ? success(t.Result)
                    : failure(t.Exception?.GetBaseException() ?? new TaskCanceledException()));
            },
            (recipient, success, failure),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
