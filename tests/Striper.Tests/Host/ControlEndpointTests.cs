using System.Globalization;
using System.Net;
using System.Text.Json;
using Striper.Tests.Lab;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Host;

/// <summary>
/// The control endpoint as a user meets it, on real proxy processes carrying a live transfer: `striper status`
/// (table and JSON), /metrics read by Prometheus' own parser, and the dashboard loaded in headless Chromium.
/// </summary>
public sealed class ControlEndpointTests(ControlPair pair, ITestOutputHelper output) : IClassFixture<ControlPair>
{
    private const string PrometheusParser = "/usr/lib/python3/dist-packages/prometheus_client";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Status_json_should_show_the_live_connection_and_every_substream()
    {
        await pair.WaitForFlowingStatusAsync();
        var (code, stdout, stderr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", pair.ClientControl, "--json");

        Assert.True(code == 0, $"status exited {code}: {stderr}");
        var status = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("client", status.GetProperty("role").GetString());
        Assert.Equal(OperatingSystem.IsLinux() ? "reno" : "system default (reno is for Linux only)", status.GetProperty("tcpCongestionControl").GetString());
        var connection = Assert.Single(status.GetProperty("connections").EnumerateArray());
        var substreams = connection.GetProperty("substreams").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], substreams.Select(s => s.GetProperty("index").GetInt32()));
        Assert.All(substreams, s => Assert.Equal("up", s.GetProperty("state").GetString()));
        Assert.All(substreams, s => Assert.Equal("tcp", s.GetProperty("transport").GetString()));
        Assert.All(substreams, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("msp").ValueKind));
        Assert.True(connection.GetProperty("bytesOut").GetInt64() > 0);
        Assert.True(connection.GetProperty("rateOut").GetDouble() > 0, $"no rate out in {stdout}");
        Assert.InRange(substreams.Sum(s => s.GetProperty("share").GetDouble()), 0.999, 1.001);
    }

    [Fact]
    public async Task Status_table_should_show_both_proxies_of_the_pair()
    {
        await pair.WaitForFlowingStatusAsync();
        var (clientCode, client, clientErr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", pair.ClientControl);
        var (serverCode, server, serverErr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", pair.ServerControl);
        output.WriteLine(client);
        output.WriteLine(server);

        Assert.True(clientCode == 0 && serverCode == 0, clientErr + serverErr);
        Assert.StartsWith("client proxy 127.0.0.1:", client, StringComparison.Ordinal);
        Assert.StartsWith("server proxy 127.0.0.1:", server, StringComparison.Ordinal);
        Assert.Contains("1 connection open", client, StringComparison.Ordinal);
        Assert.Contains("1 connection open", server, StringComparison.Ordinal);
        Assert.Contains(OperatingSystem.IsLinux() ? ", TCP congestion control reno\n" : "(reno is for Linux only)", client, StringComparison.Ordinal);
        Assert.Matches(@", TCP congestion control (\w+ )?\(system default\)\n", server);
        foreach (var index in new[] { "0", "1", "2" })
        {
            Assert.Matches($@"(?m)^\s+{index}\s+tcp\s+up\s", client);
        }
    }

    [Fact]
    public async Task Status_should_fail_naming_the_address_when_no_proxy_answers()
    {
        var nobody = $"127.0.0.1:{Ports.Free()}";
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", nobody);

        Assert.Equal(1, code);
        Assert.Contains($"no control endpoint answered at {nobody}", stderr, StringComparison.Ordinal);
    }

    [ToolFact("/usr/bin/python3", PrometheusParser)]
    public async Task Metrics_should_parse_as_Prometheus_text_and_count_the_transfer()
    {
        await pair.WaitForFlowingStatusAsync();
        var text = await pair.Http.GetStringAsync($"http://{pair.ClientControl}/metrics");
        var samples = await ParsePrometheusAsync(text);

        Assert.True(samples["striper_sent_bytes_total"][""] > 0, text);
        Assert.Equal(1, samples["striper_sessions_active"][""]);
        Assert.Equal(3, samples["striper_substreams"]["state=up"]);
        Assert.Equal(["substream=0", "substream=1", "substream=2"], samples["striper_substream_sent_bytes_total"].Keys.Order());
        // What the substreams carried is what was read from the edge and already sent, plus any resends.
        Assert.InRange(samples["striper_substream_sent_bytes_total"].Values.Sum(), 1, samples["striper_sent_bytes_total"][""] + samples["striper_resent_bytes_total"][""]);
        Assert.True(samples["striper_buffer_limit_bytes"][""] > 0);
        Assert.All(samples.Keys, name => Assert.StartsWith("striper_", name, StringComparison.Ordinal));
    }

    [ToolFact("chromium")]
    public async Task Dashboard_should_show_per_substream_throughput_in_a_browser()
    {
        await pair.WaitForFlowingStatusAsync();
        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        File.Delete(screenshot);
        await using var browser = await HeadlessChromium.OpenAsync($"http://{pair.ClientControl}/", Timeout);

        // The page renders the status it fetched, then a sample a second from /api/events: wait for a few of those,
        // so the chart has history (which only the event stream gives it) and the rows show throughput.
        const string rows = "[...document.querySelectorAll('tr[data-substream-rate]')]";
        var drawn = await browser.WaitUntilAsync(
            $"{rows}.length === 3 && {rows}.some(r => Number(r.dataset.substreamRate) > 0) && Number(document.getElementById('chart').dataset.samples) >= 4",
            Timeout);
        var rates = await browser.EvaluateAsync($"{rows}.map(r => Number(r.dataset.substreamRate))", CancellationToken.None);
        var role = await browser.EvaluateAsync("document.getElementById('role').textContent", CancellationToken.None);
        var route = await browser.EvaluateAsync("document.getElementById('route').textContent", CancellationToken.None);
        await browser.ScreenshotAsync(screenshot, CancellationToken.None);
        output.WriteLine($"dashboard screenshot: {screenshot}; rates {rates}");

        Assert.True(drawn, $"the dashboard never showed 3 substreams with throughput (rates {rates}); see {screenshot}");
        Assert.Equal("client proxy", role.GetString());
        Assert.EndsWith(OperatingSystem.IsLinux() ? " · TCP congestion control reno" : "(reno is for Linux only)", route.GetString(), StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or blank");
    }

    [Fact]
    public async Task Unknown_paths_and_methods_should_be_refused_without_harming_the_endpoint()
    {
        using var missing = await pair.Http.GetAsync($"http://{pair.ClientControl}/no-such-page");
        using var post = await pair.Http.PostAsync($"http://{pair.ClientControl}/api/status", new StringContent("x"));
        using var garbage = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await garbage.ConnectAsync(IPEndPoint.Parse(pair.ClientControl));
        await garbage.SendAsync(TestData.Random(4096, seed: 9));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        var status = await pair.WaitForFlowingStatusAsync();
        Assert.Equal(1, status.GetProperty("sessionsActive").GetInt64());
    }

    /// <summary>Prometheus' own Python parser: sample name → (labels as "k=v,...", value).</summary>
    private static async Task<Dictionary<string, Dictionary<string, double>>> ParsePrometheusAsync(string text)
    {
        var input = Path.GetTempFileName();
        await File.WriteAllTextAsync(input, text);
        try
        {
            const string script = """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                    for s in family.samples:
                        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                        print(f"{s.name}\t{labels}\t{s.value!r}")
                """;
            var (code, stdout, stderr) = await LabShell.RunAsync("/usr/bin/python3", ["-c", script, input], Timeout);
            Assert.True(code == 0, $"Prometheus' parser rejected /metrics: {stderr}\n{text}");
            var samples = new Dictionary<string, Dictionary<string, double>>();
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split('\t');
                if (!samples.TryGetValue(parts[0], out var series))
                {
                    samples[parts[0]] = series = [];
                }

                series[parts[1]] = double.Parse(parts[2], CultureInfo.InvariantCulture);
            }

            return samples;
        }
        finally
        {
            File.Delete(input);
        }
    }
}
