using Akka.Actor;

namespace Striper.Tests.Striping;

/// <summary>Tells a test which actor its <see cref="StepParent"/> created.</summary>
internal sealed record ChildIs(IActorRef Child);
