using System.Diagnostics;
using System.Globalization;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Lab;

/// <summary>
/// The real program in the network lab: two striper processes in two namespaces joined by a link whose every
/// TCP flow is capped, as behind a per-flow throttle. Data comes from and goes to socat inside the namespaces.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class StripingLabTests : IDisposable
{
    private const string Rate = "40mbit";
    private const int Stripes = 8;
    private const int ServerProxyPort = 7000;
    private const int ClientProxyPort = 7001;
    private const int DirectPort = 5400;
    private const int TargetPort = 5401;
    private const int MiB = 1024 * 1024;

    /// <summary>
    /// Eight substreams could reach about 8x one flow, a little less when two substreams share a bucket or while
    /// they start; without striping it would be about 1x. 4x fails the second and leaves room for a noisy machine.
    /// </summary>
    private const double MinimumSpeedup = 4.0;

    /// <summary>
    /// MSP substreams do per-packet work in user space (about 1200 bytes a packet, plus MDP acks), so on a shared 2-core
    /// machine they are CPU-bound long before eight caps: 4.2x measured at load average 40, 3.1x in a run at 60. 2x
    /// still fails without striping (about 1x) and does not fail on a busy machine.
    /// </summary>
    private const double MinimumMspSpeedup = 2.0;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string Socat = LabShell.FindTool("socat") ?? "socat";

    private readonly ITestOutputHelper _output;
    private readonly string _directory;

    public StripingLabTests(ITestOutputHelper output)
    {
        _output = output;
        _directory = Directory.CreateTempSubdirectory("striper-lab-").FullName;
    }

    [LabFact]
    public Task Eight_substreams_should_carry_a_transfer_intact_and_at_least_four_times_faster_than_one_capped_flow() =>
        AssertSpeedupAsync("a", "tcp", MinimumSpeedup);

    /// <summary>The lab's hash filter caps UDP flows by the client's port too, so MSP substreams must beat it the same way.</summary>
    [LabFact]
    public Task Eight_msp_substreams_should_carry_a_transfer_intact_and_at_least_twice_as_fast_as_one_capped_flow() =>
        AssertSpeedupAsync("m", "msp", MinimumMspSpeedup);

    private async Task AssertSpeedupAsync(string labName, string transport, double minimum)
    {
        await using var lab = await NetLab.StartAsync(labName, Rate);
        var single = WriteData("single.bin", 8 * MiB, seed: 1);
        // 64 MiB, not less: a new tunnelled connection takes a few tenths of a second to reach full rate, which in a
        // shorter transfer would weigh more than the striping being tested.
        var striped = WriteData("striped.bin", 64 * MiB, seed: 2);

        // One flow straight between the namespaces, with the same tools: the rate a plain connection gets.
        var singleSeconds = await SendOneWayAsync(
            lab, NetLab.ServerAddress, DirectPort, $"TCP:{NetLab.ServerAddress}:{DirectPort}", single, Sink("single.out"));

        await using var server = ChildProcess.StartStriperInNamespace(
            lab.ServerNamespace, "-s", $"{NetLab.ServerAddress}:{ServerProxyPort}", $"127.0.0.1:{TargetPort}", "--insecure", "--transport", transport);
        await using var client = ChildProcess.StartStriperInNamespace(
            lab.ClientNamespace, "-c", $"127.0.0.1:{ClientProxyPort}", NetLab.ServerAddress, LabFiles.Invariant(ServerProxyPort), "--stripes", LabFiles.Invariant(Stripes), "--transport", transport);
        await WaitForProxiesAsync(lab, server, client);

        // A first, small transfer through the fresh proxies, so the timed one measures striping rather than the
        // JIT compiling the data path and the first session's setup.
        var warmUp = WriteData("warm-up.bin", 2 * MiB, seed: 5);
        await SendOneWayAsync(lab, "127.0.0.1", TargetPort, $"TCP:127.0.0.1:{ClientProxyPort}", warmUp, Sink("warm-up.out"));
        var stripedSeconds = await SendOneWayAsync(
            lab, "127.0.0.1", TargetPort, $"TCP:127.0.0.1:{ClientProxyPort}", striped, Sink("striped.out"));

        LabFiles.AssertSameBytes(single, Sink("single.out"));
        LabFiles.AssertSameBytes(warmUp, Sink("warm-up.out"));
        LabFiles.AssertSameBytes(striped, Sink("striped.out"));
        var singleRate = new FileInfo(single).Length / singleSeconds;
        var stripedRate = new FileInfo(striped).Length / stripedSeconds;
        var speedup = stripedRate / singleRate;
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"per-flow cap {Rate}: one flow {singleRate * 8 / 1e6:F1} Mbit/s, {Stripes} {transport} substreams {stripedRate * 8 / 1e6:F1} Mbit/s, {speedup:F2}x");
        _output.WriteLine(summary);
        Assert.True(speedup >= minimum, $"{summary}; expected at least {minimum}x");
    }

    [LabFact]
    public async Task Both_directions_at_once_should_arrive_intact_through_the_lab()
    {
        await using var lab = await NetLab.StartAsync("b", Rate);
        await AssertBothDirectionsAsync(lab, $"{Stripes} substreams under a {Rate} per-flow cap", bothProxies: [], clientProxy: ["--stripes", LabFiles.Invariant(Stripes)]);
    }

    /// <summary>
    /// A long lossy path (50 ms round trip, 1 % of packets lost each way) with the substreams on CUBIC, which backs off
    /// at every loss: each substream spends much of its time recovering, so chunks arrive late and out of order, the
    /// credit grows to cover it and late chunks are copied onto other substreams. Default settings otherwise (auto).
    /// </summary>
    [LabFact("gcc")]
    public async Task Both_directions_at_once_should_arrive_intact_over_a_long_lossy_path()
    {
        await using var lab = await NetLab.StartAsync("d", "none", links: ["delay=25ms,loss=1%"]);
        await AssertBothDirectionsAsync(lab, "auto substreams (cubic) at 50 ms RTT and 1 % loss each way", bothProxies: ["--congestion-control", "cubic"], clientProxy: []);
    }

    /// <summary>16 MiB each way at once through a fresh proxy pair, between socat at both ends; SHA-256 checked both ways.</summary>
    private async Task AssertBothDirectionsAsync(NetLab lab, string description, string[] bothProxies, string[] clientProxy)
    {
        var up = WriteData("up.bin", 16 * MiB, seed: 3);
        var down = WriteData("down.bin", 16 * MiB, seed: 4);

        await using var server = ChildProcess.StartStriperInNamespace(
            lab.ServerNamespace, ["-s", $"{NetLab.ServerAddress}:{ServerProxyPort}", $"127.0.0.1:{TargetPort}", "--insecure", .. bothProxies]);
        await using var client = ChildProcess.StartStriperInNamespace(
            lab.ClientNamespace, ["-c", $"127.0.0.1:{ClientProxyPort}", NetLab.ServerAddress, LabFiles.Invariant(ServerProxyPort), .. bothProxies, .. clientProxy]);
        await WaitForProxiesAsync(lab, server, client);

        // Each end sends its file and writes what it receives to another (socat's read!!write address). After
        // its own file ends it half-closes and keeps receiving, for up to -t seconds, until the other side ends.
        await using var target = ChildProcess.StartInNamespace(
            lab.ServerNamespace, Socat, "-t", "30", $"TCP-LISTEN:{TargetPort},bind=127.0.0.1,reuseaddr", $"OPEN:{down}!!CREATE:{Sink("up.out")}");
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, TargetPort, Timeout);
        var clock = Stopwatch.StartNew();
        await using var app = ChildProcess.StartInNamespace(
            lab.ClientNamespace, Socat, "-t", "30", $"OPEN:{up}!!CREATE:{Sink("down.out")}", $"TCP:127.0.0.1:{ClientProxyPort}");

        Assert.True(await app.WaitForExitAsync(Timeout) == 0, $"{app.Description} failed:\n{app.Output}\n{client.Output}");
        Assert.True(await target.WaitForExitAsync(Timeout) == 0, $"{target.Description} failed:\n{target.Output}\n{server.Output}");
        _output.WriteLine($"16 MiB each way at once through {description}: {clock.Elapsed.TotalSeconds:F2} s");
        LabFiles.AssertSameBytes(up, Sink("up.out"));
        LabFiles.AssertSameBytes(down, Sink("down.out"));
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>socat -u from the client namespace to a socat -u listener in the server namespace; returns seconds.</summary>
    private static async Task<double> SendOneWayAsync(NetLab lab, string listenAddress, int listenPort, string connectTo, string source, string sink)
    {
        await using var receiver = ChildProcess.StartInNamespace(
            lab.ServerNamespace, Socat, "-u", $"TCP-LISTEN:{listenPort},bind={listenAddress},reuseaddr", $"CREATE:{sink}");
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, listenPort, Timeout);
        var clock = Stopwatch.StartNew();
        await using var sender = ChildProcess.StartInNamespace(lab.ClientNamespace, Socat, "-u", $"OPEN:{source}", connectTo);
        Assert.True(await receiver.WaitForExitAsync(Timeout) == 0, $"{receiver.Description} failed:\n{receiver.Output}");
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(await sender.WaitForExitAsync(Timeout) == 0, $"{sender.Description} failed:\n{sender.Output}");
        return seconds;
    }

    private static async Task WaitForProxiesAsync(NetLab lab, ChildProcess server, ChildProcess client)
    {
        try
        {
            await NetLab.WaitForListenerAsync(lab.ServerNamespace, ServerProxyPort, Timeout);
            await NetLab.WaitForListenerAsync(lab.ClientNamespace, ClientProxyPort, Timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nserver proxy:\n{server.Output}\nclient proxy:\n{client.Output}", e);
        }
    }

    private string WriteData(string name, int length, int seed)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, TestData.Random(length, seed));
        return path;
    }

    private string Sink(string name) => Path.Combine(_directory, name);
}
