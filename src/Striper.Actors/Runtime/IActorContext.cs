using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>An actor's view of the runtime. Use it only from the actor's own handlers and hooks.</summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>Sender of the message being handled, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>Category = this actor's path.</summary>
    ILogger Log { get; }

    /// <summary>
    /// Creates a child. The name must be unique among live siblings (<see cref="InvalidActorNameException"/>
    /// otherwise); a null name gets "$a", "$b", ...
    /// </summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>
    /// Stops a child or Self, asynchronously: no further user messages are processed, children stop first,
    /// then PostStop runs and watchers and the parent receive Terminated.
    /// </summary>
    [SuppressMessage("Naming", "CA1716", Justification = "Akka.NET's name; keeping it makes a later move to Akka mechanical")]
    void Stop(IActorRef actor);

    /// <summary>Ask for a <see cref="Terminated"/> when <paramref name="actor"/> stops (at once if already dead).</summary>
    void Watch(IActorRef actor);

    /// <summary>After this no <see cref="Terminated"/> for <paramref name="actor"/> is delivered, even if already queued.</summary>
    void Unwatch(IActorRef actor);
}
