using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Striper.Actors.Metrics;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Host.Cli;
using Striper.Host.Control;
using Striper.Host.Hosting;

namespace Striper.Host.Demo;

/// <summary>
/// <c>striper demo</c>: server proxy, client proxy and a source/sink on loopback in one process. Data goes both
/// ways at once through the whole path (app → client proxy → N substreams → server proxy → target and back);
/// both ends hash what they send and receive, and the run passes only if the hashes match.
/// </summary>
internal static class DemoRunner
{
    private const int ClientSeed = 11111;
    private const int TargetSeed = 22222;

    public static async Task<int> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var sizeFlag = ParseSizeFlag(options.Size);

        // The live view is the demo's output; session logs would interleave with it, so they appear only with -v.
        // The dashboard shows the client proxy: its sending side is the upstream direction.
        await using var environment = await StriperEnvironment.CreateAsync(
            options.Common with { Quiet = !options.Common.Verbose }, throwawaySecret: true, control: new ControlRequest(options.Control, IsClient: true, AnyPortIfTaken: true));
        var size = sizeFlag ?? environment.Configuration.Read(c => ConfigValues.GetSize(c, "striper.demo.size"));
        var settings = environment.Settings;
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);

        using var target = new DemoTarget();
        var serverMetrics = new ProxyMetrics();
        var clientMetrics = new ProxyMetrics();
        await using var server = RunningProxy.StartServer(environment.System, loopback, new HostPort("127.0.0.1", target.EndPoint.Port), settings, serverMetrics);
        await using var client = RunningProxy.StartClient(environment.System, loopback, new HostPort("127.0.0.1", server.LocalEndPoint.Port), settings, clientMetrics);

        var output = Console.Out;
        var security = settings.Secret is null ? "unauthenticated" : settings.Encrypt ? "authenticated, encrypted" : "authenticated";
        output.WriteLine($"striper demo: {Format(size)} each way through {settings.DescribeStripes()} substreams ({security})");
        output.WriteLine($"  application → client proxy {client.LocalEndPoint} ⇉ server proxy {server.LocalEndPoint} → target {target.EndPoint}");
        if (environment.StatusFeed is { } feed && environment.Control is { } control)
        {
            feed.Attach(new ProxyDescription("client", client.LocalEndPoint.ToString(), server.LocalEndPoint.ToString(), client.TcpCongestionControl), clientMetrics, client.Buffers);
            output.WriteLine($"  dashboard {ControlSettings.Url(control.Listen)} (the client proxy; also striper status --control {control.Listen})");
        }

        var targetRun = target.ServeOneAsync(new DataPattern(TargetSeed), size, cancellationToken);
        using var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await app.ConnectAsync(client.LocalEndPoint, cancellationToken);
        var up = new StreamPump();
        var down = new StreamPump();
        var clock = Stopwatch.StartNew();
        var sendUp = up.SendAsync(app, new DataPattern(ClientSeed), size, cancellationToken);
        var receiveDown = down.ReceiveAsync(app, cancellationToken);
        var all = Task.WhenAll(sendUp, receiveDown, targetRun);

        var live = !Console.IsOutputRedirected;
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(live ? 500 : 2000, cancellationToken));
            var line = Progress(target.Received.Bytes, target.Sent.Bytes, down.Bytes, size, clock.Elapsed, clientMetrics, settings.SessionSubstreams);
            output.Write(live ? "\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 160) : 100) : line + Environment.NewLine);
        }

        if (live)
        {
            output.WriteLine();
        }

        await all;
        var elapsed = clock.Elapsed;
        var (targetReceived, targetSent) = targetRun.Result;
        var upOk = sendUp.Result.AsSpan().SequenceEqual(targetReceived) && target.Received.Bytes == size;
        var downOk = targetSent.AsSpan().SequenceEqual(receiveDown.Result) && down.Bytes == size;

        output.WriteLine(Summary(size, elapsed, clientMetrics, serverMetrics, settings.SessionSubstreams));
        output.WriteLine($"  upstream   SHA-256 {Convert.ToHexStringLower(sendUp.Result)} sent, {Convert.ToHexStringLower(targetReceived)} received: {(upOk ? "match" : "MISMATCH")}");
        output.WriteLine($"  downstream SHA-256 {Convert.ToHexStringLower(targetSent)} sent, {Convert.ToHexStringLower(receiveDown.Result)} received: {(downOk ? "match" : "MISMATCH")}");
        output.WriteLine(upOk && downOk ? "PASS: every byte arrived intact, both ways." : "FAIL: the bytes that arrived differ from the bytes sent.");
        return upOk && downOk ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>--size, read before anything starts; null when it is not given (config.hocon's striper.demo.size then).</summary>
    private static long? ParseSizeFlag(string? flag)
    {
        if (flag is null)
        {
            return null;
        }

        // The same units as config.hocon, so "--size 64MiB" means what "size = 64MiB" means there.
        return ConfigValues.TryParseSize(flag, out var size) && size > 0
            ? size
            : throw new UsageException($"--size must be a size above zero such as 64MiB or 1GiB, got '{flag}'.");
    }

    private static string Progress(long up, long downSent, long down, long size, TimeSpan elapsed, ProxyMetrics metrics, int stripes)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var shares = new StringBuilder();
        var total = Enumerable.Range(0, stripes).Sum(metrics.SubstreamBytesSent);
        for (var i = 0; i < stripes && total > 0; i++)
        {
            // An auto-sized connection uses some of its indices only.
            if (metrics.SubstreamBytesSent(i) == 0)
            {
                continue;
            }

            shares.Append(CultureInfo.InvariantCulture, $" {100.0 * metrics.SubstreamBytesSent(i) / total:0}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"  {elapsed.TotalSeconds,5:0.0}s  up {100.0 * up / size,5:0.0}% {up / seconds / 1e6,7:0.0} MB/s  down {100.0 * down / size,5:0.0}% {down / seconds / 1e6,7:0.0} MB/s  up share %:{shares}");
    }

    private static string Summary(long size, TimeSpan elapsed, ProxyMetrics client, ProxyMetrics server, int stripes)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"done in {seconds:0.00}s: up {size / seconds / 1e6:0.0} MB/s, down {size / seconds / 1e6:0.0} MB/s, {2 * size / seconds / 1e6:0.0} MB/s both ways together\n");
        text.Append("  substream   up MB    up share   down MB  down share\n");
        var upTotal = Math.Max(1, Enumerable.Range(0, stripes).Sum(client.SubstreamBytesSent));
        var downTotal = Math.Max(1, Enumerable.Range(0, stripes).Sum(server.SubstreamBytesSent));
        for (var i = 0; i < stripes; i++)
        {
            var u = client.SubstreamBytesSent(i);
            var d = server.SubstreamBytesSent(i);
            if (u == 0 && d == 0)
            {
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"  {i,9} {u / 1e6,8:0.0} {100.0 * u / upTotal,9:0.0}% {d / 1e6,9:0.0} {100.0 * d / downTotal,9:0.0}%\n");
        }

        return text.ToString().TrimEnd();
    }

    private static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        _ => $"{bytes} bytes",
    };
}
