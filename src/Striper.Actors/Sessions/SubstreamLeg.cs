using Akka.Actor;

namespace Striper.Actors.Sessions;

/// <summary>A session's substream leg and the handshake index it serves.</summary>
internal sealed record SubstreamLeg(int Index, IActorRef Leg);
