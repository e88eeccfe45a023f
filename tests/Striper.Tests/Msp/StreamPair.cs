using Akka.Actor;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

/// <summary>Two MSP stream actors wired back to back through a lossy link in each direction.</summary>
internal sealed class StreamPair : IDisposable
{
    private StreamPair(LossyLink toB, LossyLink toA, IActorRef a, IActorRef b)
    {
        ToB = toB;
        ToA = toA;
        A = a;
        B = b;
    }

    /// <summary>Carries A's packets to B.</summary>
    public LossyLink ToB { get; }

    public LossyLink ToA { get; }

    /// <summary>The initiator.</summary>
    public IActorRef A { get; }

    public IActorRef B { get; }

    public static StreamPair Create(ActorSystem system, IActorRef ownerA, IActorRef ownerB, MspSettings settings, LossyLinkOptions link, int seed, TimeProvider? clock = null)
    {
        const uint Id = 4242;
        var toB = new LossyLink(link, seed, clock);
        var toA = new LossyLink(link, seed + 1, clock);
        var b = system.ActorOf(MspStream.Props(Id, isInitiator: false, toA, ownerB, settings));
        toB.Target = b;
        var a = system.ActorOf(MspStream.Props(Id, isInitiator: true, toB, ownerA, settings));
        toA.Target = a;
        return new StreamPair(toB, toA, a, b);
    }

    public void Dispose()
    {
        ToB.Dispose();
        ToA.Dispose();
    }
}
