using System.Net;
using System.Net.Sockets;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Mdp.Offload;
using Striper.Actors.Msp;
using Striper.Tests.Msp;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// UDP segmentation offload: a segmented send is separate datagrams on the wire, a run the kernel refuses still goes
/// out one by one, and nodes with and without offload carry streams intact.
/// </summary>
public sealed class UdpOffloadTests : StriperTestKit
{
    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30) };
    private static readonly MdpSettings Mdp = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100) };

    [OffloadFact]
    public void A_segmented_send_should_arrive_as_separate_datagrams_each_intact()
    {
        using var receiver = Bound();
        using var sender = Bound();
        var run = Pattern((10 * 1000) + 300, seed: 1);

        var error = UdpOffload.SendSegments(sender, receiver.LocalEndPoint!.Serialize(), run, segmentSize: 1000);

        Assert.Equal(SocketError.Success, error);
        receiver.ReceiveTimeout = 2000;
        var buffer = new byte[2000];
        for (var i = 0; i < 11; i++)
        {
            var n = receiver.Receive(buffer);
            Assert.Equal(i < 10 ? 1000 : 300, n);
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(run.AsSpan(i * 1000, n)), $"datagram {i} differs");
        }

        Assert.Equal(0, receiver.Available);
    }

    [OffloadFact]
    public void A_run_the_kernel_refuses_should_go_out_one_datagram_at_a_time_and_end_segmentation_on_that_link()
    {
        using var receiver = Bound();
        using var sender = Bound();
        using var identity = NodeIdentity.Generate();
        var keys = MdpLinkKeys.Derive(new byte[32], identity.Sid, identity.Sid);
        var counters = new MdpCounters();
        using var link = new MdpHopLink(sender, receiver.LocalEndPoint!.Serialize(), identity.Sid, keys, 1, 0, Mdp, counters, TimeProvider.System);
        Assert.True(link.Segmentation);

        // 50 datagrams of 1400 bytes: 70,000 bytes, more than one UDP send may carry, so the kernel refuses the run.
        var run = Pattern(50 * 1400, seed: 3);
        link.SendRun(run, 1400, 50);

        Assert.False(link.Segmentation);
        Assert.Equal(50, Interlocked.Read(ref counters.DatagramsSent));
        Assert.Equal(0, Interlocked.Read(ref counters.SegmentedSends));
        receiver.ReceiveTimeout = 2000;
        var buffer = new byte[2000];
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(1400, receiver.Receive(buffer));
            Assert.True(buffer.AsSpan(0, 1400).SequenceEqual(run.AsSpan(i * 1400, 1400)), $"datagram {i} differs");
        }
    }

    [OffloadFact]
    public async Task Nodes_with_offload_should_send_runs_and_carry_a_stream_both_ways_intact()
    {
        await using var nodes = await NodePair.StartAsync(Sys, Mdp);

        var reports = await MdpTransfer.RunAsync(this, nodes.A, nodes.B, messages: 4000, Msp);

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var a = await nodes.A.GetStatsAsync();
        var b = await nodes.B.GetStatsAsync();
        Assert.True(a.SegmentedSends + b.SegmentedSends > 0, "no run was sent segmented");
        Assert.Equal(0, a.InvalidDropped + b.InvalidDropped);
        Assert.Equal(0, a.SendErrors + b.SendErrors);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Nodes_with_offload_on_either_side_or_neither_should_carry_a_stream_intact(bool offloadA, bool offloadB)
    {
        await using var nodes = await NodePair.StartAsync(
            Sys,
            Mdp with { SegmentationOffload = offloadA },
            settingsB: Mdp with { SegmentationOffload = offloadB });

        var reports = await MdpTransfer.RunAsync(this, nodes.A, nodes.B, messages: 3000, Msp);

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var a = await nodes.A.GetStatsAsync();
        var b = await nodes.B.GetStatsAsync();
        Assert.Equal(0, a.InvalidDropped + b.InvalidDropped);
        if (!offloadA)
        {
            Assert.Equal(0, a.SegmentedSends);
        }

        if (!offloadB)
        {
            Assert.Equal(0, b.SegmentedSends);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_dual_stack_node_should_carry_a_stream_with_an_ipv4_neighbour(bool offload)
    {
        // A hears B from an IPv4-mapped IPv6 address: the receive path must name B the same way every time, or B's
        // datagrams would look like a stranger's.
        await using var nodes = await NodePair.StartDualStackAsync(Sys, Mdp with { SegmentationOffload = offload });

        var reports = await MdpTransfer.RunAsync(this, nodes.A, nodes.B, messages: 2000, Msp);

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var a = await nodes.A.GetStatsAsync();
        Assert.Equal(0, a.InvalidDropped);
        Assert.Equal(1, a.Hops);
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 4 << 20;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
