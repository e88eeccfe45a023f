using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Settings;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;
using StriperActor = Striper.Actors.Striping.Striper;

namespace Striper.Tests.Striping;

/// <summary>
/// A Striper under a step parent on a manual clock, with an edge and two substreams that are probes: what the
/// Striper tells its parent, edge and legs is observable, and time moves only when a test says so.
/// </summary>
public abstract class StriperHarness : StriperTestKit
{
    protected StriperHarness(StriperSettings settings, int firstSlot)
        : base(manualTime: true)
    {
        Parent = CreateTestProbe();
        Edge = CreateTestProbe();
        Sub0 = CreateTestProbe();
        Sub1 = CreateTestProbe();
        Stats = new ConnectionStats(Guid.NewGuid(), "127.0.0.1:50000", "server:22222", 2, DateTimeOffset.UnixEpoch);
        ActorOf(StepParent.Props(StriperActor.Props(settings, new ProxyMetrics(), BufferBudget.CreateUnlimited(), stats: Stats), Parent, "striper"), "parent");
        StriperRef = Parent.ExpectMsg<ChildIs>().Child;
        StriperRef.Tell(new EdgeAttached(Edge));
        StriperRef.Tell(new SubstreamAttached(firstSlot, 0, Sub0));
        StriperRef.Tell(new SubstreamAttached(firstSlot + 1, 1, Sub1));
    }

    /// <summary>Akka.TestKit's virtual time: the Striper's timers and its clock move only when a test advances it.</summary>
    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    /// <summary>Hears what the Striper tells its session.</summary>
    protected TestProbe Parent { get; }

    protected TestProbe Edge { get; }

    /// <summary>The legs of substreams 0 and 1 (slots <c>firstSlot</c> and <c>firstSlot + 1</c>).</summary>
    protected TestProbe Sub0 { get; }

    protected TestProbe Sub1 { get; }

    protected IActorRef StriperRef { get; }

    /// <summary>The connection's figures, as the Striper writes them for the status view and the stripe controller.</summary>
    protected ConnectionStats Stats { get; }
}
