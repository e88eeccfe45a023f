using Akka.Actor;

namespace Striper.Tests.Support;

/// <summary>
/// Terminates an actor system within a bound and, when it does not stop in time, fails with the tree of actors
/// still alive: a stuck shutdown then names the actor holding it up instead of hanging the test run.
/// </summary>
internal static class ActorSystemShutdown
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task TerminateWithin(this ActorSystem system, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await system.Terminate().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Actor system {system.Name} did not terminate within {limit}; still alive:\n{system.DescribeLiveActors()}");
        }
    }
}
