using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace Striper.Actors.Services;

/// <summary>Inside an actor: <c>Context.Logger()</c> (category: the actor's type) and <c>Context.Clock()</c>.</summary>
public static class ActorContextServices
{
    /// <remarks>
    /// The category is the actor's type, not its path: a logger factory keeps every logger it has made for the life of
    /// the process, so one category per connection's path would grow with every connection a proxy ever carried.
    /// Log lines that need to say which actor name it in their message (a session id, a stream id, a leg's path).
    /// </remarks>
    public static ILogger Logger(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return StriperServices.Get(context.System).LoggerFactory.CreateLogger(context.Props.Type.FullName ?? context.Props.Type.Name);
    }

    public static TimeProvider Clock(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return StriperServices.Get(context.System).Clock;
    }
}
