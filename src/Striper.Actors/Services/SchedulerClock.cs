using Akka.Actor;

namespace Striper.Actors.Services;

/// <summary>
/// A <see cref="TimeProvider"/> that reads an Akka scheduler's notion of now. Under Akka.TestKit's virtual-time
/// <c>TestScheduler</c> that time moves only when a test advances it, so the estimates an actor keeps (RTT, rate,
/// silence) see exactly the time its timers saw. Only timestamps and the wall clock are read through it; actors never
/// create timers from a <see cref="TimeProvider"/> (they use Akka's <c>Timers</c>).
/// </summary>
internal sealed class SchedulerClock(ITimeProvider scheduler) : TimeProvider
{
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => scheduler.Now;

    public override long GetTimestamp() => scheduler.Now.UtcTicks;
}
