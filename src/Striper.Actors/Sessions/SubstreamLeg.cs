using Akka.Actor;

namespace Striper.Actors.Sessions;

/// <summary>A session's substream leg, the handshake index it serves, and what it is charged to the buffer budget.</summary>
internal sealed record SubstreamLeg(int Index, IActorRef Leg, long Cost);
