using Striper.Actors.Runtime;
using Striper.Tests.Support;

namespace Striper.Tests.TestKit;

/// <summary>
/// Base class for actor tests: a fresh <see cref="ActorSystem"/> per test (xunit creates a class instance
/// per test) and a default probe, terminated when the test ends.
/// </summary>
public abstract class TestKitBase : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);
    private int _probes;

    protected TestKitBase(ActorSystemOptions? options = null)
    {
        Sys = ActorSystem.Create(GetType().Name, options);
        TestActor = new TestProbe(Sys, "testActor");
    }

    public ActorSystem Sys { get; }

    public TestProbe TestActor { get; }

    public TestProbe CreateTestProbe() => new(Sys, "testProbe-" + Interlocked.Increment(ref _probes));

    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    public T ExpectMsg<T>(TimeSpan? timeout = null) => TestActor.ExpectMsg<T>(timeout);

    public T ExpectMsg<T>(Predicate<T> predicate, TimeSpan? timeout = null) => TestActor.ExpectMsg(predicate, timeout);

    public void ExpectNoMsg(TimeSpan duration) => TestActor.ExpectNoMsg(duration);

    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null) => TestActor.ExpectTerminated(target, timeout);

    public T FishForMessage<T>(Predicate<T> predicate, TimeSpan? timeout = null) => TestActor.FishForMessage(predicate, timeout);

    public void Watch(IActorRef target) => TestActor.Watch(target);

    public void Within(TimeSpan max, Action body) => TestActor.Within(max, body);

    public void Dispose()
    {
        // Terminate is idempotent, so xunit calling both Dispose and DisposeAsync is harmless.
        Sys.TerminateWithin(ShutdownTimeout).GetAwaiter().GetResult();

        GC.SuppressFinalize(this);
    }

    public async ValueTask DisposeAsync()
    {
        await Sys.TerminateWithin(ShutdownTimeout);
        GC.SuppressFinalize(this);
    }
}
