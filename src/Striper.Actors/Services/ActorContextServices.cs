using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace Striper.Actors.Services;

/// <summary>Inside an actor: <c>Context.Logger()</c> (category: the actor's path) and <c>Context.Clock()</c>.</summary>
public static class ActorContextServices
{
    public static ILogger Logger(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return StriperServices.Get(context.System).LoggerFactory.CreateLogger(context.Self.Path.ToString());
    }

    public static TimeProvider Clock(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return StriperServices.Get(context.System).Clock;
    }
}
