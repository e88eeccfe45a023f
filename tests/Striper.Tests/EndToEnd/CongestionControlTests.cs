using Striper.Actors.Metrics;
using Striper.Actors.Settings;
using Striper.Tests.Lab;
using Striper.Tests.Sessions;
using Striper.Tests.Support;

namespace Striper.Tests.EndToEnd;

/// <summary>
/// striper.tcp.congestion-control through a real proxy pair: every substream socket on both sides uses what was asked
/// (as the kernel's own socket listing, ss, reports it), the application's and the target's connections keep the
/// kernel's default, and the status says what substreams use.
/// </summary>
public sealed class CongestionControlTests
{
    [CongestionControlFact("reno", tool: "ss")]
    public async Task Every_substream_on_both_sides_should_use_the_congestion_control_asked_for_and_the_status_should_say_so()
    {
        const long size = 4L * 1024 * 1024;
        await using var target = new HashingTarget(size, seed: 91);
        await using var pair = ProxyPair.Start(target.EndPoint, StriperSettings.Default with { Stripes = 4, TcpCongestionControl = "reno" });
        using var app = await pair.ConnectAsync();
        await WaitForAsync(() => pair.ClientMetrics.Connections.SingleOrDefault() is { } c && c.Substreams.All(s => s.State == SubstreamState.Up)
            && pair.ServerMetrics.Connections.SingleOrDefault() is { } s && s.Substreams.Count(x => x.State == SubstreamState.Up) == 4);

        var server = pair.Server.LocalEndPoint.Port;
        var sockets = await SocketsAsync(server, pair.ClientEndPoint.Port, target.EndPoint.Port);
        var dialled = sockets.Where(s => s.PeerPort == server).ToList();
        var accepted = sockets.Where(s => s.LocalPort == server).ToList();
        var others = sockets.Where(s => s.LocalPort != server && s.PeerPort != server).ToList();
        Assert.Equal(4, dialled.Count);
        Assert.Equal(4, accepted.Count);
        Assert.All(dialled.Concat(accepted), s => Assert.Equal("reno", s.Algorithm));

        // The application's connection (both ends) and the server's connection to its target (both ends).
        Assert.Equal(4, others.Count);
        Assert.All(others, s => Assert.Equal(SubstreamCongestionControlTests.SystemDefault(), s.Algorithm));

        Assert.Equal(("reno", "reno"), (pair.Client.TcpCongestionControl, pair.Server.TcpCongestionControl));
        var status = new StatusSampler(
            new ProxyDescription("client", pair.ClientEndPoint.ToString(), pair.Server.LocalEndPoint.ToString(), pair.Client.TcpCongestionControl), pair.ClientMetrics, pair.Client.Buffers).Sample();
        Assert.Equal("reno", status.TcpCongestionControl);
        Assert.Single(pair.ClientLog.Entries, e => e.Message == "substreams use TCP congestion control reno (striper.tcp.congestion-control)");
        Assert.Single(pair.ServerLog.Entries, e => e.Message == "substreams use TCP congestion control reno (striper.tcp.congestion-control)");

        await target.AssertSingleExchangeAsync(app, size, seed: 92, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Open TCP sockets (established, or half-closed: the target has sent all it has) with any of the ports at either
    /// end, each with its congestion control, from <c>ss -ti</c>.
    /// </summary>
    private static async Task<List<(int LocalPort, int PeerPort, string Algorithm)>> SocketsAsync(params int[] ports)
    {
        // Every socket, filtered here: by now the target's connection is half-closed, which ss's "state established" leaves out.
        var (code, stdout, stderr) = await LabShell.RunAsync("ss", ["-tinH"], TimeSpan.FromSeconds(10));
        Assert.True(code == 0, $"ss failed: {stderr}");

        // Each socket is a line "STATE RECV-Q SEND-Q LOCAL PEER", then (not for TIME-WAIT) an indented line of TCP_INFO
        // that starts with the algorithm.
        var sockets = new List<(int, int, string)>();
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (char.IsWhiteSpace(lines[i][0]) || fields[0] == "TIME-WAIT")
            {
                continue;
            }

            var (local, peer) = (Port(fields[^2]), Port(fields[^1]));
            var info = i + 1 < lines.Length && char.IsWhiteSpace(lines[i + 1][0]) ? lines[i + 1].Trim().Split(' ')[0] : "(no TCP_INFO)";
            if (ports.Contains(local) || ports.Contains(peer))
            {
                sockets.Add((local, peer, info));
            }
        }

        return sockets;
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitForAsync(Func<bool> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!probe())
        {
            Assert.True(DateTime.UtcNow < deadline, "the proxies never had every substream up on both sides");
            await Task.Delay(20);
        }
    }
}
