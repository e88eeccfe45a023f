using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Striper.Actors.Services;
using Striper.Actors.Sessions;
using Striper.Tests.Logging;
using Striper.Tests.Support;

namespace Striper.Tests.Sessions;

/// <summary>
/// striper.tcp.congestion-control on real loopback sockets: what was asked is what getsockopt(TCP_CONGESTION) reads
/// back on both the dialled and the accepted end; what the kernel lacks falls back to its default with one warning
/// however many sockets follow.
/// </summary>
public sealed class SubstreamCongestionControlTests
{
    private readonly CapturingLoggerFactory _log = new();

    [CongestionControlFact("cubic")]
    public Task Cubic_should_be_what_both_ends_of_a_substream_read_back() => AssertBothEndsUseAsync("cubic");

    [CongestionControlFact("reno")]
    public Task Reno_should_be_what_both_ends_of_a_substream_read_back() => AssertBothEndsUseAsync("reno");

    [CongestionControlFact("bbr")]
    public Task Bbr_should_be_what_both_ends_of_a_substream_read_back_where_the_kernel_has_it() => AssertBothEndsUseAsync("bbr");

    [CongestionControlFact]
    public async Task An_algorithm_the_kernel_lacks_should_leave_two_sockets_with_the_system_default_and_warn_once()
    {
        var congestion = new SubstreamCongestionControl("made-up-cc", _log.CreateLogger("test"));
        var systemDefault = SystemDefault();

        var (dialled, accepted) = await ConnectAsync(congestion);
        using var pair = dialled;
        using var other = accepted;
        congestion.Apply(accepted);

        Assert.Equal(systemDefault, Read(dialled));
        Assert.Equal(systemDefault, Read(accepted));
        var warning = Assert.Single(_log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(
            $"striper.tcp.congestion-control = made-up-cc cannot be used: this kernel has no 'made-up-cc' (net.ipv4.tcp_available_congestion_control lists "
                + $"{Sysctl("tcp_available_congestion_control")}){(Environment.IsPrivilegedProcess ? "" : "; if it is a module, root can load it with 'modprobe tcp_made-up-cc'")}; "
                + $"substreams use the system default, {systemDefault}",
            warning.Message);
        Assert.Equal($"{systemDefault} (system default; made-up-cc not available)", congestion.Effective);
    }

    [CongestionControlFact]
    public async Task System_should_leave_sockets_with_the_kernels_default_and_warn_of_nothing()
    {
        var congestion = new SubstreamCongestionControl("system", _log.CreateLogger("test"));

        var (dialled, accepted) = await ConnectAsync(congestion);
        using var pair = dialled;
        using var other = accepted;
        congestion.Apply(accepted);

        Assert.Equal(SystemDefault(), Read(dialled));
        Assert.Equal(SystemDefault(), Read(accepted));
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal($"{SystemDefault()} (system default)", congestion.Effective);
    }

    [Fact]
    public async Task Off_Linux_an_algorithm_should_be_ignored_with_one_warning()
    {
        var congestion = new SubstreamCongestionControl("bbr", _log.CreateLogger("test"), linux: false);

        var (dialled, accepted) = await ConnectAsync(congestion);
        using var pair = dialled;
        using var other = accepted;
        congestion.Apply(accepted);

        var warning = Assert.Single(_log.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(
            "striper.tcp.congestion-control = bbr is ignored: Striper chooses a TCP congestion control on Linux only; substreams use the system's", warning.Message);
        Assert.Equal("system default (bbr is for Linux only)", congestion.Effective);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(SystemDefault(), Read(dialled));
        }
    }

    [Fact]
    public async Task Two_proxies_of_one_actor_system_should_share_one_check_and_say_it_once()
    {
        var system = TestSystems.Create("congestion", _log);
        try
        {
            var first = StriperServices.Get(system).CongestionControl("made-up-cc");
            var second = StriperServices.Get(system).CongestionControl("made-up-cc");

            Assert.Same(first, second);
            Assert.Single(_log.Entries, e => e.Level >= LogLevel.Warning);
        }
        finally
        {
            await system.TerminateWithin();
        }
    }

    [Fact]
    public void A_closed_socket_should_be_left_alone_without_an_exception()
    {
        var congestion = new SubstreamCongestionControl("reno", _log.CreateLogger("test"));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        congestion.Apply(socket);

        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("could not set", StringComparison.Ordinal));
    }

    /// <summary>getsockopt(IPPROTO_TCP, TCP_CONGESTION): the algorithm's name, NUL-padded to 16 bytes.</summary>
    internal static string Read(Socket socket)
    {
        var value = new byte[16];
        var length = socket.GetRawSocketOption(6, 13, value);
        return Encoding.ASCII.GetString(value, 0, length).TrimEnd('\0');
    }

    internal static string SystemDefault() => Sysctl("tcp_congestion_control");

    private static string Sysctl(string name) => File.ReadAllText("/proc/sys/net/ipv4/" + name).Trim();

    private async Task AssertBothEndsUseAsync(string algorithm)
    {
        var congestion = new SubstreamCongestionControl(algorithm, _log.CreateLogger("test"));

        var (dialled, accepted) = await ConnectAsync(congestion);
        using var pair = dialled;
        using var other = accepted;
        congestion.Apply(accepted);

        Assert.Equal(algorithm, Read(dialled));
        Assert.Equal(algorithm, Read(accepted));
        Assert.Equal(algorithm, congestion.Effective);
        var said = Assert.Single(_log.Entries);
        Assert.Equal((LogLevel.Information, $"substreams use TCP congestion control {algorithm} (striper.tcp.congestion-control)"), (said.Level, said.Message));
    }

    /// <summary>A loopback connection dialled as the client proxy dials a substream (set before connecting).</summary>
    private static async Task<(Socket Dialled, Socket Accepted)> ConnectAsync(SubstreamCongestionControl congestion)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var dialled = await SocketFactory.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port, TimeSpan.FromSeconds(5), CancellationToken.None, congestion.Apply);
        return (dialled, await listener.AcceptAsync());
    }
}
