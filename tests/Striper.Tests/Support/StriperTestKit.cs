using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Striper.Tests.Support;

/// <summary>
/// Akka.TestKit.Xunit2's TestKit on an actor system set up as Striper's are (<see cref="TestSystems"/>): a failed
/// top-level actor stops rather than restarts, undelivered buffers go back, and the actors log to <c>log</c>.
/// </summary>
public abstract class StriperTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected StriperTestKit(ILoggerFactory? log = null, bool manualTime = false, ITestOutputHelper? output = null)
        : base(TestSystems.Setup(log, manualTime), output: output)
    {
    }
}
