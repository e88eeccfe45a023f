using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Striper.Actors.Metrics;
using Striper.Actors.Settings;
using Striper.Host.Control;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.EndToEnd;

/// <summary>What the status view shows is what the proxies really did: the open connection, its substreams, its bytes.</summary>
public sealed class StatusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Status_should_show_the_open_connection_with_its_substreams_and_count_every_byte()
    {
        const long size = 8L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 81);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 4 });
        using var app = await pair.ConnectAsync();

        // Before any byte moves, the session is open on both sides with every substream up.
        var open = await WaitForAsync(() => pair.ClientMetrics.Connections.SingleOrDefault() is { } c && c.Substreams.All(s => s.State == SubstreamState.Up) ? c : null);
        var status = new StatusSampler(new ProxyDescription("client", pair.ClientEndPoint.ToString(), pair.Server.LocalEndPoint.ToString()), pair.ClientMetrics, pair.Client.Buffers).Sample();
        var connection = Assert.Single(status.Connections);
        Assert.Equal(open.Id, connection.Id);
        Assert.Equal(app.LocalEndPoint!.ToString(), connection.Peer);
        Assert.Equal(pair.Server.LocalEndPoint.ToString(), connection.Target);
        Assert.Equal([0, 1, 2, 3], connection.Substreams.Select(s => s.Index));
        Assert.All(connection.Substreams, s => Assert.Equal(("tcp", "up"), (s.Transport, s.State)));
        var server = await WaitForAsync(() => pair.ServerMetrics.Connections.SingleOrDefault());
        Assert.Equal(open.Id, server.Id);
        Assert.Equal(target.EndPoint.ToString(), server.Target);

        await target.AssertSingleExchangeAsync(app, size, seed: 82, TimeSpan.FromSeconds(60));
        await WaitForAsync(() => pair.ClientMetrics.SessionsActive == 0 && pair.ServerMetrics.SessionsActive == 0 ? "closed" : null);

        // Each proxy counted exactly what its edge read and wrote; the substreams carried all of it (and any resends).
        Assert.Equal((size, size), (pair.ClientMetrics.BytesOut, pair.ClientMetrics.BytesIn));
        Assert.Equal((size, size), (pair.ServerMetrics.BytesOut, pair.ServerMetrics.BytesIn));
        Assert.Equal((size, size), (open.BytesOut, open.BytesIn));
        Assert.Equal(open.Substreams.Sum(s => s.BytesSent), Enumerable.Range(0, 4).Sum(pair.ClientMetrics.SubstreamBytesSent));
        Assert.Equal(size + open.ResentBytes, open.Substreams.Sum(s => s.BytesSent));
        Assert.Empty(pair.ClientMetrics.Connections);
        Assert.Empty(pair.ServerMetrics.Connections);
    }

    [Fact]
    public async Task Status_json_table_and_metrics_should_show_each_msp_substreams_model_of_its_path()
    {
        var target = FlowingConnection.CreateTarget();
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 2, Transport = SubstreamTransports.Msp });
        await using var flow = await FlowingConnection.ConnectAsync(pair.ClientEndPoint, target);

        // Each port publishes its stream's figures at the handover (the handshake's few bytes) and then once a second:
        // wait until both streams have measured the flow (about 16 MB/s, shared by the two).
        await WaitForAsync(() => pair.ClientMetrics.Connections.SingleOrDefault() is { } c
            && c.Substreams.All(s => s is { State: SubstreamState.Up, Msp: { EstimatedBandwidth: > 1e5, MinRttMilliseconds: > 0 } }) ? c : null);
        using var feed = new StatusFeed();
        feed.Attach(new ProxyDescription("client", pair.ClientEndPoint.ToString(), pair.Server.LocalEndPoint.ToString()), pair.ClientMetrics, pair.Client.Buffers);
        var status = feed.Latest!;

        // The JSON the control endpoint serves (/api/status, `striper status --json`, the dashboard's feed).
        var json = JsonSerializer.Serialize(status, ControlEndpoints.Json);
        var substreams = JsonDocument.Parse(json).RootElement.GetProperty("connections")[0].GetProperty("substreams").EnumerateArray().ToList();
        Assert.Equal(2, substreams.Count);
        foreach (var s in substreams)
        {
            Assert.Equal("msp", s.GetProperty("transport").GetString());
            var msp = s.GetProperty("msp");
            Assert.Equal("bbr", msp.GetProperty("congestionControl").GetString());
            Assert.False(string.IsNullOrEmpty(msp.GetProperty("phase").GetString()), json);
            Assert.InRange(msp.GetProperty("estimatedBandwidth").GetDouble(), 1e5, 1e11);
            Assert.InRange(msp.GetProperty("minRttMilliseconds").GetDouble(), 0.001, 100);
            Assert.InRange(msp.GetProperty("congestionWindow").GetDouble(), Striper.Actors.Msp.MspSettings.Default.MinCongestionWindow, 1e6);
            Assert.True(msp.GetProperty("pacingRate").GetDouble() > 0, json);
            Assert.InRange(msp.GetProperty("lossRate").GetDouble(), 0, 1);
            Assert.True(msp.GetProperty("sendBufferMessages").GetInt32() > 0, json);
            Assert.True(msp.GetProperty("receiveWindowMessages").GetInt32() > 0, json);
        }

        // `striper status`: the same figures as more columns.
        var table = StatusTable.Render(status);
        output.WriteLine(table);
        Assert.Contains("msp congestion control", table, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+0\s+msp\s+up\s.*\sbbr \S", table);

        // /metrics: per substream index, and the streams by algorithm and phase.
        var metrics = await ScrapeAsync(new PrometheusExporter(feed));
        foreach (var index in new[] { "0", "1" })
        {
            var label = $"{{substream=\"{index}\"}}";
            Assert.InRange(metrics["striper_substream_msp_bandwidth_bytes_per_second" + label], 1e5, 1e11);
            Assert.InRange(metrics["striper_substream_msp_min_rtt_seconds" + label], 1e-6, 0.1);
            Assert.True(metrics["striper_substream_msp_congestion_window_packets" + label] >= 2);
            Assert.True(metrics["striper_substream_msp_pacing_rate_bytes_per_second" + label] > 0);
            Assert.InRange(metrics["striper_substream_msp_loss_ratio" + label], 0, 1);
        }

        Assert.Equal(2, metrics.Where(m => m.Key.StartsWith("striper_msp_substreams{congestion_control=\"bbr\"", StringComparison.Ordinal)).Sum(m => m.Value));

        // The server's streams publish too (its sending side carries little here, but it has a model and an RTT).
        var server = await WaitForAsync(() => pair.ServerMetrics.Connections.SingleOrDefault() is { } c && c.Substreams.All(s => s.Msp is not null) ? c : null);
        Assert.All(server.Substreams, s => Assert.Equal("bbr", s.Msp!.CongestionControl));
    }

    /// <summary>/metrics as name{labels} → value (the exporter's own text; ControlEndpointTests check it parses).</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(PrometheusExporter exporter)
    {
        using var stream = new MemoryStream();
        await exporter.WriteAsync(stream, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        return text.Split('\n')
            .Select(line => Regex.Match(line, @"^(striper_[^ {]+(?:\{[^}]*\})?) (\S+)$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the proxies never reached the state the test waits for");
            await Task.Delay(20);
        }
    }
}
