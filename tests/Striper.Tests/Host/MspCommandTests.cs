using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>
/// <c>striper msp listen</c> and <c>striper msp connect</c> as two separate processes on loopback UDP, each with its
/// own identity and port: standard input and output like netcat, and TCP forwarding with --once; bad arguments exit 2.
/// </summary>
public sealed partial class MspCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-msp-").FullName;

    [Fact]
    public async Task Stdio_mode_should_carry_a_file_each_way_like_netcat_and_exit_0()
    {
        var toListener = WriteRandom("to-listener", 3 << 20, 1);
        var toConnector = WriteRandom("to-connector", 300_000, 2);
        var listenerOut = Path.Combine(_directory, "listener.out");
        var connectorOut = Path.Combine(_directory, "connector.out");

        await using var listen = ChildProcess.StartStriperWithFiles(toConnector, listenerOut, NodeArgs("a", "msp", "listen", "9"));
        var (sid, port) = await NodeAddressAsync(listen);
        await using var connect = ChildProcess.StartStriperWithFiles(toListener, connectorOut, [.. NodeArgs("b", "msp", "--peer", $"127.0.0.1:{port}", "connect", sid, "9")]);

        Assert.Equal(0, await connect.WaitForExitAsync(Timeout));
        Assert.Equal(0, await listen.WaitForExitAsync(Timeout));
        Assert.Equal(Hash(toListener), Hash(listenerOut));
        Assert.Equal(Hash(toConnector), Hash(connectorOut));
    }

    [Fact]
    public async Task Forward_mode_with_once_should_carry_one_tcp_connection_intact_then_both_exit_0()
    {
        const long Size = 2 << 20;
        await using var target = new HashingTarget(Size, seed: 5);
        var forwardPort = FreeTcpPort();

        await using var listen = ChildProcess.StartStriper(NodeArgs("a", "msp", "listen", "--once", $"--forward={target.EndPoint.Port}", "9"));
        var (sid, port) = await NodeAddressAsync(listen);
        await using var connect = ChildProcess.StartStriper(NodeArgs("b", "msp", "--peer", $"127.0.0.1:{port}", "connect", "--once", $"--forward={forwardPort}", sid, "9"));
        await connect.WaitForLogAsync("accepting TCP", Timeout);

        using var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await app.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forwardPort));
        await target.AssertSingleExchangeAsync(app, Size, seed: 6, Timeout);

        Assert.Equal(0, await connect.WaitForExitAsync(Timeout));
        Assert.Equal(0, await listen.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Connect_to_a_sid_nobody_answers_for_should_exit_1_saying_so()
    {
        var input = WriteRandom("in", 10, 3);
        await using var connect = ChildProcess.StartStriperWithFiles(input, Path.Combine(_directory, "out"), [.. NodeArgs("b", "msp", "connect", new string('c', 64), "9"), "--config", WriteConfig("striper.mdp.connect-timeout = 300ms")]);

        Assert.Equal(1, await connect.WaitForExitAsync(Timeout));
        Assert.Contains("no neighbour with SID cccc", connect.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("is not a SID", new[] { "msp", "connect", "xyz", "9" })]
    [InlineData("MDPPORT: port '70000'", new[] { "msp", "listen", "70000" })]
    [InlineData("--forward: port '0'", new[] { "msp", "listen", "--forward=0", "9" })]
    [InlineData("--peer: 'nowhere' is not host:port", new[] { "msp", "--peer", "nowhere", "listen", "9" })]
    public async Task Bad_msp_arguments_should_exit_2_with_one_sentence(string expected, string[] args)
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, args);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.StartsWith("striper: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_msp_message_size_that_does_not_fit_the_mdp_mtu_should_exit_2_naming_both()
    {
        var config = WriteConfig("striper.msp.max-message-size = 1400");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, NodeArgs("a", "msp", "listen", "9", "--config", config));

        Assert.Equal(2, code);
        Assert.Contains("striper.msp.max-message-size", stderr, StringComparison.Ordinal);
        Assert.Contains("striper.mdp.mtu", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(string Sid, int Port)> NodeAddressAsync(ChildProcess process)
    {
        await process.WaitForLogAsync("MSP listening", Timeout);
        var match = NodeLine().Match(process.StandardError);
        Assert.True(match.Success, process.StandardError);
        return (match.Groups[1].Value, int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [GeneratedRegex(@"MDP node ([0-9a-f]{64}) on 127\.0\.0\.1:(\d+)")]
    private static partial Regex NodeLine();

    private string[] NodeArgs(string name, params string[] args)
    {
        // The node options belong to 'msp'; put them right after it.
        var rest = args.Skip(1).ToArray();
        return [args[0], "--identity", Path.Combine(_directory, name + ".id"), "--bind", "127.0.0.1:0", .. rest];
    }

    private string WriteRandom(string name, int size, int seed)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, TestData.Random(size, seed));
        return path;
    }

    private string WriteConfig(string line)
    {
        var path = Path.Combine(_directory, $"c{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, line + "\n");
        return path;
    }
}
