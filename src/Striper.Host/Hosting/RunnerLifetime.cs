using Microsoft.Extensions.Hosting;

namespace Striper.Host.Hosting;

/// <summary>
/// The host's lifetime when a runner decides when to stop: unlike the console lifetime it neither takes SIGINT and
/// SIGTERM (<see cref="ShutdownSignal"/> has them from before the host starts) nor prints "press Ctrl+C", since
/// standard output may carry data and standard error carries the one log stream.
/// </summary>
internal sealed class RunnerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
