using Striper.Actors.Buffers;
using Striper.Actors.Metrics;

namespace Striper.Host.Control;

/// <summary>
/// The control endpoint's view of its proxy: once the proxy runs (<see cref="Attach"/>) it samples the proxy's counters
/// every second, so /api/status answers at once with rates over the last second and every Server-Sent Events client
/// of the dashboard gets the same sample. Before that, there is nothing to show.
/// </summary>
internal sealed class StatusFeed : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private StatusSampler? _sampler;
    private ITimer? _timer;
    private ProxyStatus? _latest;
    private TaskCompletionSource<ProxyStatus> _next = NewSample();

    public StatusFeed(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The proxy's counters, once attached (for /metrics, read at scrape time).</summary>
    public ProxyMetrics? Metrics { get; private set; }

    public BufferBudget? Buffers { get; private set; }

    public ProxyStatus? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    public void Attach(ProxyDescription description, ProxyMetrics metrics, BufferBudget buffers)
    {
        lock (_lock)
        {
            Metrics = metrics;
            Buffers = buffers;
            _sampler = new StatusSampler(description, metrics, buffers, _clock);
        }

        Tick();
        _timer = _clock.CreateTimer(_ => Tick(), null, Interval, Interval);
    }

    /// <summary>The next sample after now (the dashboard's stream waits here).</summary>
    public Task<ProxyStatus> NextAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => _timer?.Dispose();

    private static TaskCompletionSource<ProxyStatus> NewSample() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Tick()
    {
        TaskCompletionSource<ProxyStatus> waiting;
        ProxyStatus sample;
        lock (_lock)
        {
            if (_sampler is null)
            {
                return;
            }

            sample = _sampler.Sample();
            _latest = sample;
            waiting = _next;
            _next = NewSample();
        }

        waiting.TrySetResult(sample);
    }
}
