using Striper.Actors.Buffers;
using Striper.Actors.Metrics;
using Striper.Actors.Runtime;
using Striper.Actors.Settings;
using Striper.Tests.TestKit;
using static Striper.Actors.Striping.StriperProtocol;
using StriperActor = Striper.Actors.Striping.Striper;

namespace Striper.Tests.Striping;

/// <summary>
/// A Striper under a step parent on a manual clock, with an edge and two substreams that are probes: what the
/// Striper tells its parent, edge and legs is observable, and time moves only when a test says so.
/// </summary>
public abstract class StriperHarness : TestKitBase
{
    protected StriperHarness(StriperSettings settings, int firstSlot)
        : this(new ManualTimeProvider(), settings, firstSlot)
    {
    }

    private StriperHarness(ManualTimeProvider clock, StriperSettings settings, int firstSlot)
        : base(new ActorSystemOptions { TimeProvider = clock })
    {
        Clock = clock;
        Parent = CreateTestProbe();
        Edge = CreateTestProbe();
        Sub0 = CreateTestProbe();
        Sub1 = CreateTestProbe();
        ActorOf(StepParent.Props(StriperActor.Props(settings, new ProxyMetrics(), BufferBudget.CreateUnlimited()), Parent, "striper"), "parent");
        StriperRef = Parent.ExpectMsg<ChildIs>().Child;
        StriperRef.Tell(new EdgeAttached(Edge));
        StriperRef.Tell(new SubstreamAttached(firstSlot, 0, Sub0));
        StriperRef.Tell(new SubstreamAttached(firstSlot + 1, 1, Sub1));
    }

    protected ManualTimeProvider Clock { get; }

    /// <summary>Hears what the Striper tells its session.</summary>
    protected TestProbe Parent { get; }

    protected TestProbe Edge { get; }

    /// <summary>The legs of substreams 0 and 1 (slots <c>firstSlot</c> and <c>firstSlot + 1</c>).</summary>
    protected TestProbe Sub0 { get; }

    protected TestProbe Sub1 { get; }

    protected IActorRef StriperRef { get; }
}
