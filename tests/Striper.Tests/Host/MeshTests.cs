using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Striper.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Striper.Tests.Host;

/// <summary>
/// Five <c>striper msp</c> processes on loopback UDP, each with its own identity, each told only its neighbours'
/// addresses: a line and a ring. A 64 MiB exchange (SHA-256 both ways) goes from one end to a node several hops away
/// through nodes that only route (<c>striper msp node</c>); in the ring, a node on the path is killed halfway and the
/// transfer carries on the other way round. The service is found by name (<c>msp connect --service</c>), and
/// <c>msp services</c> lists it.
/// </summary>
public sealed partial class MeshTests : IDisposable
{
    private const long Size = 64L * 1024 * 1024;
    private const int MdpPort = 9;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    // Faster than the defaults, so that a node that is killed is routed around within a few seconds.
    private const string FastMesh = "striper.mdp { hello-keepalive = 500ms\n link-timeout = 2s\n announce-interval = 1s\n route-timeout = 4s }\n";

    private readonly string _directory = Directory.CreateTempSubdirectory("striper-mesh-").FullName;
    private readonly ITestOutputHelper _output;
    private readonly List<ChildProcess> _nodes = [];

    public MeshTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task A_transfer_should_cross_a_line_of_five_nodes_intact_and_be_counted_by_the_nodes_between()
    {
        var ports = Enumerable.Range(0, 5).Select(_ => Ports.FreeUdp()).ToArray();
        await using var target = new HashingTarget(Size, seed: 111);

        // e offers the service; b, c and d only route; a connects by the service's name. Each knows its left neighbour.
        var e = StartNode("e", ports[4], [ports[3]], "listen", "--forward=" + target.EndPoint.Port, "--service", "bulk", Invariant(MdpPort));
        var d = StartNode("d", ports[3], [ports[2]], "node");
        var c = StartNode("c", ports[2], [ports[1]], "node");
        var b = StartNode("b", ports[1], [ports[0]], "node");
        var forward = Ports.FreeTcpBelowEphemeral();
        var a = StartNode("a", ports[0], [], "connect", "--service", "bulk", "--forward=" + forward);
        await WaitForLogAsync(a, "accepting TCP");
        Assert.Contains("4 hops away", a.StandardError, StringComparison.Ordinal);

        await ExchangeAsync(target, forward, seed: 112);

        foreach (var middle in new[] { b, c, d })
        {
            middle.Signal(15);
            Assert.Equal(0, await middle.WaitForExitAsync(Timeout));
            var forwarded = Forwarded(middle.StandardError);
            _output.WriteLine($"forwarded {forwarded} datagrams");
            Assert.True(forwarded > Size / 1200, $"a node between forwarded only {forwarded} datagrams:\n{middle.StandardError}");
        }
    }

    [Fact]
    public async Task In_a_ring_a_transfer_should_carry_on_the_other_way_round_when_a_node_on_its_path_is_killed()
    {
        var ports = Enumerable.Range(0, 5).Select(_ => Ports.FreeUdp()).ToArray();
        await using var target = new HashingTarget(Size, seed: 121);

        // a-b-c-d-e-a. c offers the service: two hops from a through b, three through e and d.
        var c = StartNode("c", ports[2], [ports[1]], "listen", "--forward=" + target.EndPoint.Port, "--service", "bulk", Invariant(MdpPort));
        var b = StartNode("b", ports[1], [ports[0]], "node");
        var d = StartNode("d", ports[3], [ports[2]], "node");
        var e = StartNode("e", ports[4], [ports[3], ports[0]], "node");

        // a starts once b reaches c, d and e (on a loaded machine processes start slowly): the short way through b is
        // then there from a's first moment, and the stream takes it.
        await WaitForLogAsync(b, "routes: 3 nodes reachable");
        var forward = Ports.FreeTcpBelowEphemeral();
        var a = StartNode("a", ports[0], [], "connect", "--service", "bulk", "--forward=" + forward);
        await WaitForLogAsync(a, "accepting TCP");

        using var app = await ConnectAsync(forward);
        var exchange = target.AssertSingleExchangeAsync(app, Size, seed: 122, Timeout);

        // By now every node has announced itself a few times, so the stream goes the short way, through b.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(exchange.IsCompleted, "the transfer ended before b left: the test did not test much");
        b.Signal(15);
        Assert.Equal(0, await b.WaitForExitAsync(Timeout));
        Assert.True(Forwarded(b.StandardError) > 0, $"b forwarded nothing: the stream never went through it\n{a.StandardError}");

        await exchange;

        e.Signal(15);
        Assert.Equal(0, await e.WaitForExitAsync(Timeout));
        Assert.True(Forwarded(e.StandardError) > 0, $"e forwarded nothing: the transfer did not go the other way round\n{e.StandardError}");
    }

    [Fact]
    public async Task Msp_services_should_list_a_service_two_hops_away_with_its_node()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => Ports.FreeUdp()).ToArray();
        var c = StartNode("c", ports[2], [ports[1]], "listen", "--forward=" + Ports.Free(), "--service", "echo", Invariant(MdpPort));
        StartNode("b", ports[1], [ports[2]], "node");
        await WaitForLogAsync(c, "announcing MDP port");
        var sid = NodeLine().Match(c.StandardError).Groups[1].Value;

        var (code, stdout, stderr) = await ChildProcess.RunStriperAsync(
            Timeout, [.. NodeArgs("a", ports[0], [ports[1]]), "services", "--wait", "3"]);

        Assert.True(code == 0, stderr);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("echo ", StringComparison.Ordinal));
        Assert.Matches($@"^echo\s+{sid}\s+{MdpPort}\s+2\s*$", line);
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.DisposeAsync().AsTask().Wait();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private ChildProcess StartNode(string name, int port, int[] peers, params string[] command)
    {
        var node = ChildProcess.StartStriper([.. NodeArgs(name, port, peers), .. command, "--config", Config()]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Waits for <paramref name="node"/> to log <paramref name="fragment"/>. The cause of a failure is often another
    /// node (one that could not start leaves the mesh a node short), so the message also holds every other node's log.
    /// </summary>
    private async Task WaitForLogAsync(ChildProcess node, string fragment)
    {
        try
        {
            await node.WaitForLogAsync(fragment, Timeout);
        }
        catch (XunitException ex)
        {
            var others = _nodes.Where(n => n != node).Select(n => $"{n.Description} ({(n.HasExited ? "exited" : "running")}); stderr:\n{n.StandardError}");
            throw new XunitException(string.Join('\n', [ex.Message, .. others]));
        }
    }

    private string[] NodeArgs(string name, int port, int[] peers) =>
        ["msp", "--identity", Path.Combine(_directory, name + ".id"), "--bind", $"127.0.0.1:{port}", .. peers.SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" })];

    private string Config()
    {
        var path = Path.Combine(_directory, "mesh.conf");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, FastMesh);
        }

        return path;
    }

    private static async Task ExchangeAsync(HashingTarget target, int forward, int seed)
    {
        using var app = await ConnectAsync(forward);
        await target.AssertSingleExchangeAsync(app, Size, seed, Timeout);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await app.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return app;
    }

    private static long Forwarded(string log)
    {
        var match = ForwardedLine().Match(log);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"MDP routing: (\d+) datagrams forwarded")]
    private static partial Regex ForwardedLine();

    [GeneratedRegex(@"MDP node ([0-9a-f]{64}) on")]
    private static partial Regex NodeLine();
}
