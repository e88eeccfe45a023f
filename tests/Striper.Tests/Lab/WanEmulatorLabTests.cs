using System.Globalization;
using System.Text.Json;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Lab;

/// <summary>
/// The lab's WAN emulator (bench/wan/wanemu.c, started by netlab.sh --link) is itself a measuring instrument: a test of
/// Striper over 50 ms of round trip or 1 % loss means nothing if the link does not hold those figures. These check that
/// it does, with ping and iperf3 at the ends of a link, as anyone would measure a real one.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class WanEmulatorLabTests
{
    private const int IperfPort = 5201;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string Iperf = LabShell.FindTool("iperf3") ?? "iperf3";

    private readonly ITestOutputHelper _output;

    public WanEmulatorLabTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [LabFact("gcc", "ping")]
    public async Task The_round_trip_should_be_twice_the_one_way_delay_within_a_millisecond_and_follow_a_change()
    {
        await using var lab = await NetLab.StartAsync("wd", "none", links: ["delay=25ms"]);

        var before = await MedianRoundTripAsync(lab);
        await lab.SetWanAsync("0", "delay=10ms");
        var after = await MedianRoundTripAsync(lab);

        _output.WriteLine($"median round trip: {before:F3} ms at delay=25ms, {after:F3} ms after `wan 0 delay=10ms`");
        Assert.InRange(before, 49.0, 51.0);
        Assert.InRange(after, 19.0, 21.0);
    }

    [LabFact("gcc", "iperf3")]
    public async Task One_percent_loss_should_lose_one_percent_of_the_datagrams_within_a_tenth()
    {
        // Loss on the way up only: iperf3's control connection comes back through the other direction undisturbed.
        await using var lab = await NetLab.StartAsync("wl", "none", links: ["delay=25ms,up.loss=1%,seed=7"]);
        await using var server = await StartIperfServerAsync(lab);

        // 100,000 datagrams of 64 bytes at 25,000 a second: slow enough that neither iperf3 drops any of its own on a
        // busy machine, where that would read as the link's.
        using var json = await IperfAsync(lab, "-u", "-l", "64", "-b", "12800000", "-k", "100000", "-w", "4M");
        var received = json.RootElement.GetProperty("end").GetProperty("sum_received");
        var packets = received.GetProperty("packets").GetDouble();
        var lost = received.GetProperty("lost_packets").GetDouble();
        var up = (await lab.WanStatsAsync()).Single(s => s["link"] == "0" && s["dir"] == "up");

        var percent = 100 * lost / packets;
        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{lost} of {packets} datagrams lost: {percent:F3} %; the emulator dropped {up["loss_drops"]} of {up["rx_packets"]}"));
        Assert.InRange(percent, 0.9, 1.1);
    }

    [LabFact("gcc", "iperf3")]
    public async Task A_100_mbit_bottleneck_should_deliver_100_mbit_of_ip_packets_within_three_percent()
    {
        await using var lab = await NetLab.StartAsync("wr", "none", links: ["delay=5ms,rate=100mbit,queue=200ms"]);
        await using var server = await StartIperfServerAsync(lab);

        // Offered half as much again as the bottleneck takes, for 5 s. 200 ms of queue, so a sender that pauses on a busy
        // machine does not leave the bottleneck idle (which would read as a slow link); iperf3's last message queues
        // behind what it holds, so the drain is counted.
        using var json = await IperfAsync(lab, "-u", "-l", "1400", "-b", "150M", "-t", "5", "-w", "4M");
        var received = json.RootElement.GetProperty("end").GetProperty("sum_received");
        var datagrams = received.GetProperty("packets").GetDouble() - received.GetProperty("lost_packets").GetDouble();
        var seconds = received.GetProperty("seconds").GetDouble();

        // The bottleneck counts whole IP packets; iperf3 counts its payload. Each datagram is 1400 + 20 (IPv4) + 8 (UDP).
        var ipMbit = datagrams * (1400 + 28) * 8 / seconds / 1e6;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{datagrams} datagrams in {seconds:F3} s: {ipMbit:F2} Mbit/s of IP packets"));
        Assert.InRange(ipMbit, 97.0, 103.0);
    }

    /// <summary>The median of 50 pings from the client to the server: one late wake-up on a busy machine moves a mean, not a median.</summary>
    private static async Task<double> MedianRoundTripAsync(NetLab lab)
    {
        await using var ping = ChildProcess.StartInNamespace(
            lab.ClientNamespace, LabShell.FindTool("ping") ?? "ping", "-c", "50", "-i", "0.02", NetLab.ServerAddress);
        Assert.True(await ping.WaitForExitAsync(Timeout) == 0, $"{ping.Description} failed:\n{ping.Output}");
        var times = ping.StandardOutput.Split('\n')
            .Select(line => line.Split("time=", 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => double.Parse(parts[1].Split(' ')[0], CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.True(times.Count >= 45, $"only {times.Count} of 50 pings came back:\n{ping.Output}");
        return times[times.Count / 2];
    }

    private static async Task<ChildProcess> StartIperfServerAsync(NetLab lab)
    {
        var server = ChildProcess.StartInNamespace(lab.ServerNamespace, Iperf, "-s", "-p", LabFiles.Invariant(IperfPort));
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, IperfPort, Timeout);
        return server;
    }

    /// <summary>Runs iperf3 from the client to the server with --json and returns what it printed.</summary>
    private static async Task<JsonDocument> IperfAsync(NetLab lab, params string[] args)
    {
        await using var client = ChildProcess.StartInNamespace(
            lab.ClientNamespace, Iperf, ["-c", NetLab.ServerAddress, "-p", LabFiles.Invariant(IperfPort), "--json", .. args]);
        Assert.True(await client.WaitForExitAsync(Timeout) == 0, $"{client.Description} failed:\n{client.Output}");
        return JsonDocument.Parse(client.StandardOutput);
    }
}
