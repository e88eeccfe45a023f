using System.Globalization;
using Prometheus;
using Striper.Actors.Metrics;

namespace Striper.Host.Control;

/// <summary>
/// /metrics: the proxy's counters in Prometheus' text format (prometheus-net, a registry of our own so nothing else
/// of the process leaks in). Values are read from <see cref="ProxyMetrics"/> at scrape time, so the data path never
/// touches a collector. Labels are bounded: a substream label is an index (at most 256), a state one of four.
/// </summary>
internal sealed class PrometheusExporter
{
    private static readonly string[] States = [.. Enum.GetNames<SubstreamState>().Select(n => n.ToLowerInvariant())];

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly StatusFeed _feed;
    private readonly Counter _sessionsOpened;
    private readonly Gauge _sessionsActive;
    private readonly Counter _sentBytes;
    private readonly Counter _receivedBytes;
    private readonly Counter _resentBytes;
    private readonly Counter _substreamsLost;
    private readonly Counter _redials;
    private readonly Counter _substreamSentBytes;
    private readonly Gauge _substreamInFlight;
    private readonly Gauge _substreamDeliveryRate;
    private readonly Gauge _substreamRtt;
    private readonly Gauge _substreams;
    private readonly Gauge _bufferLimit;
    private readonly Gauge _bufferInUse;
    private readonly Gauge _pendingHandshakes;
    private readonly Counter _connectionsShed;

    public PrometheusExporter(StatusFeed feed)
    {
        _feed = feed;
        var factory = Metrics.WithCustomRegistry(_registry);
        _sessionsOpened = factory.CreateCounter("striper_sessions_opened_total", "Tunnelled connections opened since the proxy started.");
        _sessionsActive = factory.CreateGauge("striper_sessions_active", "Tunnelled connections open now.");
        _sentBytes = factory.CreateCounter("striper_sent_bytes_total", "Bytes read from this proxy's edge connections and striped to the far proxy.");
        _receivedBytes = factory.CreateCounter("striper_received_bytes_total", "Bytes from the far proxy written to this proxy's edge connections.");
        _resentBytes = factory.CreateCounter("striper_resent_bytes_total", "Bytes sent again on another substream after the one carrying them was lost.");
        _substreamsLost = factory.CreateCounter("striper_substreams_lost_total", "Substreams reset, cut or stalled while their connection needed them.");
        _redials = factory.CreateCounter("striper_redials_total", "Replacement substreams dialled (client proxy).");
        _substreamSentBytes = factory.CreateCounter("striper_substream_sent_bytes_total", "Data bytes sent per substream index, over all connections.", "substream");
        _substreamInFlight = factory.CreateGauge("striper_substream_in_flight_bytes", "Bytes sent and not yet confirmed, per substream index, summed over open connections.", "substream");
        _substreamDeliveryRate = factory.CreateGauge(
            "striper_substream_delivery_rate_bytes_per_second", "Delivery rate the scheduler estimates per substream index, summed over open connections.", "substream");
        _substreamRtt = factory.CreateGauge("striper_substream_rtt_seconds", "Smoothed round-trip time per substream index, the mean over open connections that measured one.", "substream");
        _substreams = factory.CreateGauge("striper_substreams", "Substreams of open connections, by state.", "state");
        _bufferLimit = factory.CreateGauge("striper_buffer_limit_bytes", "The data buffer budget all connections share (striper.memory-limit less the runtime's reserve).");
        _bufferInUse = factory.CreateGauge("striper_buffer_in_use_bytes", "Data buffer budget in use now.");
        _pendingHandshakes = factory.CreateGauge("striper_pending_handshakes", "Server proxy: substreams in their handshake now.");
        _connectionsShed = factory.CreateCounter("striper_connections_shed_total", "Server proxy: connections closed at once because every handshake slot was taken.");
        _registry.AddBeforeCollectCallback(Update);
    }

    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    private void Update()
    {
        if (_feed.Metrics is not { } metrics)
        {
            return;
        }

        var connections = metrics.Connections;
        var indices = connections.Count == 0 ? 0 : connections.Max(c => c.Substreams.Count);
        for (var index = 0; index < Actors.Wire.Handshake.MaxSubstreams; index++)
        {
            var sent = metrics.SubstreamBytesSent(index);
            if (sent > 0 || index < indices)
            {
                _substreamSentBytes.WithLabels(Label(index)).IncTo(sent);
            }
        }

        var states = new int[States.Length];
        for (var index = 0; index < indices; index++)
        {
            double inFlight = 0, rate = 0, rtt = 0;
            var measured = 0;
            foreach (var connection in connections)
            {
                if (connection.Substream(index) is not { } substream)
                {
                    continue;
                }

                inFlight += substream.InFlight;
                rate += substream.DeliveryRate;
                if (substream.SmoothedRtt is { } srtt)
                {
                    rtt += srtt.TotalSeconds;
                    measured++;
                }
            }

            var label = Label(index);
            _substreamInFlight.WithLabels(label).Set(inFlight);
            _substreamDeliveryRate.WithLabels(label).Set(rate);
            _substreamRtt.WithLabels(label).Set(measured > 0 ? rtt / measured : 0);
        }

        foreach (var connection in connections)
        {
            foreach (var substream in connection.Substreams)
            {
                states[(int)substream.State]++;
            }
        }

        for (var i = 0; i < States.Length; i++)
        {
            _substreams.WithLabels(States[i]).Set(states[i]);
        }

        // Indices no open connection uses any more read 0, not their last value.
        for (var index = indices; index < Actors.Wire.Handshake.MaxSubstreams; index++)
        {
            var label = Label(index);
            if (metrics.SubstreamBytesSent(index) == 0)
            {
                break;
            }

            _substreamInFlight.WithLabels(label).Set(0);
            _substreamDeliveryRate.WithLabels(label).Set(0);
            _substreamRtt.WithLabels(label).Set(0);
        }

        // Totals last: a chunk is counted as read from the edge before it is counted on a substream, so reading the
        // per-substream counters first keeps every scrape consistent (their sum never exceeds sent + resent).
        _sessionsOpened.IncTo(metrics.SessionsOpened);
        _sessionsActive.Set(metrics.SessionsActive);
        _sentBytes.IncTo(metrics.BytesOut);
        _receivedBytes.IncTo(metrics.BytesIn);
        _resentBytes.IncTo(metrics.ResentBytes);
        _substreamsLost.IncTo(metrics.SubstreamsLost);
        _redials.IncTo(metrics.Redials);
        _pendingHandshakes.Set(metrics.PendingHandshakes);
        _connectionsShed.IncTo(metrics.ConnectionsShed);
        if (_feed.Buffers is { } buffers)
        {
            _bufferLimit.Set(buffers.Limit);
            _bufferInUse.Set(buffers.InUse);
        }
    }

    private static string Label(int index) => index.ToString(CultureInfo.InvariantCulture);
}
