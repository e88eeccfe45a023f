using System.Globalization;
using Prometheus;
using Striper.Actors.Metrics;

namespace Striper.Host.Control;

/// <summary>
/// /metrics: the proxy's counters in Prometheus' text format (prometheus-net, a registry of our own so nothing else
/// of the process leaks in). Values are read from <see cref="ProxyMetrics"/> at scrape time, so the data path never
/// touches a collector. Labels are bounded: a substream label is an index (at most 256), a state one of four, an MSP
/// congestion control one of three with a handful of phases each.
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
    private readonly Gauge _mspBandwidth;
    private readonly Gauge _mspMinRtt;
    private readonly Gauge _mspWindow;
    private readonly Gauge _mspPacing;
    private readonly Gauge _mspLoss;
    private readonly Gauge _mspPhases;
    private readonly Lock _mspLock = new();
    private readonly HashSet<int> _mspIndices = [];
    private readonly HashSet<(string Algorithm, string Phase)> _mspPhasesSeen = [];

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
        _mspBandwidth = factory.CreateGauge(
            "striper_substream_msp_bandwidth_bytes_per_second",
            "MSP substreams: the bottleneck bandwidth the stream's congestion control estimates, per substream index, summed over open connections.",
            "substream");
        _mspMinRtt = factory.CreateGauge(
            "striper_substream_msp_min_rtt_seconds", "MSP substreams: the stream's minimum RTT (last 10 s), per substream index, the mean over open connections.", "substream");
        _mspWindow = factory.CreateGauge(
            "striper_substream_msp_congestion_window_packets", "MSP substreams: packets the congestion control lets be in flight, per substream index, summed over open connections.", "substream");
        _mspPacing = factory.CreateGauge(
            "striper_substream_msp_pacing_rate_bytes_per_second", "MSP substreams: the rate the stream paces at, per substream index, summed over open connections.", "substream");
        _mspLoss = factory.CreateGauge(
            "striper_substream_msp_loss_ratio", "MSP substreams: recent fraction of packets declared lost, per substream index, the mean over open connections.", "substream");
        _mspPhases = factory.CreateGauge(
            "striper_msp_substreams", "MSP substreams of open connections, by congestion control and what it is doing.", "congestion_control", "phase");
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

        UpdateMsp(connections, indices);

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

    /// <summary>MSP figures for the indices some open connection carries on MSP; an index or phase seen before and gone reads 0.</summary>
    private void UpdateMsp(IReadOnlyCollection<ConnectionStats> connections, int indices)
    {
        lock (_mspLock)
        {
            var phases = new Dictionary<(string, string), int>();
            var present = new HashSet<int>();
            for (var index = 0; index < indices; index++)
            {
                double bandwidth = 0, minRtt = 0, window = 0, pacing = 0, loss = 0;
                int streams = 0, measured = 0;
                foreach (var connection in connections)
                {
                    if (connection.Substream(index) is not { Transport: "msp", Msp: { } msp })
                    {
                        continue;
                    }

                    streams++;
                    bandwidth += msp.EstimatedBandwidth;
                    window += msp.CongestionWindow;
                    pacing += msp.PacingRate ?? 0;
                    loss += msp.LossRate;
                    if (msp.MinRttMilliseconds is { } rtt)
                    {
                        minRtt += rtt / 1000;
                        measured++;
                    }

                    phases[(msp.CongestionControl, msp.Phase)] = phases.GetValueOrDefault((msp.CongestionControl, msp.Phase)) + 1;
                }

                if (streams == 0)
                {
                    continue;
                }

                present.Add(index);
                _mspIndices.Add(index);
                var label = Label(index);
                _mspBandwidth.WithLabels(label).Set(bandwidth);
                _mspMinRtt.WithLabels(label).Set(measured > 0 ? minRtt / measured : 0);
                _mspWindow.WithLabels(label).Set(window);
                _mspPacing.WithLabels(label).Set(pacing);
                _mspLoss.WithLabels(label).Set(loss / streams);
            }

            foreach (var index in _mspIndices.Where(i => !present.Contains(i)))
            {
                var label = Label(index);
                _mspBandwidth.WithLabels(label).Set(0);
                _mspMinRtt.WithLabels(label).Set(0);
                _mspWindow.WithLabels(label).Set(0);
                _mspPacing.WithLabels(label).Set(0);
                _mspLoss.WithLabels(label).Set(0);
            }

            _mspPhasesSeen.UnionWith(phases.Keys);
            foreach (var (algorithm, phase) in _mspPhasesSeen)
            {
                _mspPhases.WithLabels(algorithm, phase).Set(phases.GetValueOrDefault((algorithm, phase)));
            }
        }
    }

    private static string Label(int index) => index.ToString(CultureInfo.InvariantCulture);
}
