using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Tests.Msp;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Mdp;

/// <summary>Real UDP on loopback: two nodes meet by hello and carry MSP streams; garbage on the port is counted and dropped.</summary>
public sealed class MdpNodeTests : StriperTestKit
{
    private const int Port = 9;
    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30) };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Two_nodes_should_meet_and_carry_an_msp_stream_both_ways_intact(string address)
    {
        await using var nodes = await NodePair.StartAsync(Sys, address: IPAddress.Parse(address));

        var reports = await TransferAsync(nodes, messages: 4000, garbage: null);

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var stats = await nodes.A.GetStatsAsync();
        Assert.Equal(0, stats.InvalidDropped);
        Assert.True(stats.Delivered >= 4000, $"delivered {stats.Delivered}");
    }

    [Fact]
    public async Task Nodes_with_a_jumbo_mtu_should_carry_messages_bigger_than_a_default_datagram_intact()
    {
        // What a user sets on loopback or a jumbo-frame network: 16 KiB datagrams, windows counted in fewer messages.
        var mdp = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100), Mtu = 16384, HopWindow = 256 };
        var msp = Msp with { MaxMessageSize = 16000, SendBufferMessages = 512, ReceiveWindowMessages = 512 };
        await using var nodes = await NodePair.StartAsync(Sys, mdp);

        var reports = await TransferAsync(nodes, messages: 1000, garbage: null, msp: msp);

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var stats = await nodes.A.GetStatsAsync();
        Assert.Equal(0, stats.InvalidDropped);
        Assert.Equal(0, stats.OversizeDropped);
        Assert.Equal(0, stats.MalformedDropped);
    }

    [Fact]
    public async Task Own_socket_flows_should_each_get_their_own_udp_source_port_and_carry_a_stream()
    {
        await using var nodes = await NodePair.StartAsync(Sys);

        var first = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody, OwnSocket: true), TimeSpan.FromSeconds(5));
        var second = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody, OwnSocket: true), TimeSpan.FromSeconds(5));
        var shared = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody), TimeSpan.FromSeconds(5));
        var ports = new[] { first, second, shared }.Select(f => ((IPEndPoint)f.Flow.Hop!.Socket.LocalEndPoint!).Port).ToList();
        foreach (var flow in new[] { first, second, shared })
        {
            nodes.B.Node.Tell(new MdpProtocol.CloseFlow(flow.Flow));
        }

        Assert.Equal(3, ports.Distinct().Count());
        Assert.Equal(nodes.B.LocalEndPoints[0].Port, ports[2]);

        // Closing an own-socket flow closes its socket: the port can be bound again.
        await WaitForAsync(() => Task.FromResult(CanBindUdp(ports[0]) && CanBindUdp(ports[1])));
        Assert.False(CanBindUdp(ports[2]));
        PeerReport.AssertExchanged(await TransferAsync(nodes, messages: 2000, garbage: null, ownSocket: true), closedCleanly: true);
    }

    [Fact]
    public async Task Garbage_sent_to_the_port_during_a_transfer_should_be_counted_and_never_delivered()
    {
        await using var nodes = await NodePair.StartAsync(Sys);
        var target = nodes.A.LocalEndPoints[0];
        var neighbour = await FindHopAsync(nodes);

        var reports = await TransferAsync(nodes, messages: 6000, garbage: async token =>
        {
            // From a stranger's socket: random bytes, truncated and bogus packets.
            using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var random = new Random(7);
            while (!token.IsCancellationRequested)
            {
                var junk = new byte[random.Next(1, 1500)];
                random.NextBytes(junk);
                stranger.SendTo(junk, target);
                stranger.SendTo(ForgedData(random), target);
                stranger.SendTo(junk.AsSpan(0, Math.Min(junk.Length, 5)), SocketFlags.None, target);

                // From the neighbour's own address (its socket), so only the MAC tells it apart.
                neighbour.Socket.SendTo(ForgedData(random), SocketFlags.None, neighbour.Remote);
                await Task.Delay(1, CancellationToken.None);
            }
        });

        PeerReport.AssertExchanged(reports, closedCleanly: true);
        var stats = await nodes.A.GetStatsAsync();
        Assert.True(stats.MalformedDropped > 0, $"malformed {stats.MalformedDropped}");
        Assert.True(stats.UnknownSenderDropped > 0, $"unknown sender {stats.UnknownSenderDropped}");
        Assert.True(stats.ForgedDropped > 0, $"forged {stats.ForgedDropped}");
    }

    [Fact]
    public async Task A_forged_datagram_from_the_neighbours_own_address_should_be_dropped_as_forged()
    {
        await using var nodes = await NodePair.StartAsync(Sys);

        // Something listens on the port the forged datagram names, so a delivery would reach it rather than be dropped
        // for want of a port. (A's Delivered counter cannot tell: B's route announcements, on the router's port, are
        // delivered too and keep arriving.)
        var listener = CreateTestProbe();
        await nodes.A.Node.Ask<MdpProtocol.Bound>(new MdpProtocol.Bind(Port, listener), TimeSpan.FromSeconds(3));
        var aStats = await nodes.A.GetStatsAsync();

        // Sent from B's own socket, so it comes from the neighbour's address: only the MAC can tell it is not B's.
        var hop = await FindHopAsync(nodes);
        var forged = ForgedData(new Random(3));
        hop.Socket.SendTo(forged, SocketFlags.None, hop.Remote);

        await WaitForAsync(async () => (await nodes.A.GetStatsAsync()).ForgedDropped > aStats.ForgedDropped);
        var after = await nodes.A.GetStatsAsync();
        Assert.Equal(aStats.NoPortDropped, after.NoPortDropped);

        // A delivery is told to the listener by the same receive that would have counted it, so any would be here by now
        // or very soon; nothing else sends to this port.
        listener.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Opening_a_flow_to_a_sid_nobody_answers_for_should_fail_naming_it()
    {
        await using var nodes = await NodePair.StartAsync(Sys, MdpSettings.Default with { ConnectTimeout = TimeSpan.FromMilliseconds(200), HelloInterval = TimeSpan.FromMilliseconds(50) });
        var stranger = new Striper.Actors.Identity.Sid(new string('a', 64));

        nodes.B.Node.Tell(new MdpProtocol.OpenFlow(stranger, Port, ActorRefs.Nobody), TestActor);

        var failed = ExpectMsg<MdpProtocol.FlowFailed>(TimeSpan.FromSeconds(3));
        Assert.Contains(stranger.Hex, failed.Reason, StringComparison.Ordinal);
        Assert.Contains("--peer", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_should_meet_a_configured_neighbour_that_comes_up_after_its_first_hellos_found_no_one()
    {
        // Nodes of a mesh start in any order: A's first hellos go to a closed port (on loopback the kernel answers
        // each with ICMP port unreachable), and the neighbour that binds it later must still be met.
        var settings = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100) };
        var address = new IPEndPoint(IPAddress.Loopback, Ports.FreeUdp());
        using var identityA = NodeIdentity.Generate();
        using var identityB = NodeIdentity.Generate();
        await using var a = RunningMdpNode.Start(Sys, identityA, settings, [new IPEndPoint(IPAddress.Loopback, 0)], [address], "mdp-a");
        await a.WaitForStatsAsync(s => s.DatagramsSent >= 5);

        await using var b = RunningMdpNode.Start(Sys, identityB, settings, [address], [], "mdp-b");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!(await a.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3))).Sids.Contains(b.Sid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"A never met B after B came up: {await a.GetStatsAsync()}");
            await Task.Delay(20);
        }
    }

    internal static byte[] ForgedData(Random random)
    {
        var payload = new byte[200];
        random.NextBytes(payload);
        var datagram = new byte[MdpPacket.Overhead + payload.Length];
        var header = new MdpHeader(MdpPacketType.Data, payload.Length, (uint)random.Next(), 0, 0, 0, 40000, Port);
        MdpPacket.WriteData(datagram, header, payload);
        random.NextBytes(datagram.AsSpan(datagram.Length - MdpPacket.MacSize));
        return datagram;
    }

    private static async Task<MdpHopLink> FindHopAsync(NodePair nodes)
    {
        // B's hop to A: open a flow and take its link.
        var flow = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody), TimeSpan.FromSeconds(3));
        return flow.Flow.Hop!;
    }

    private static bool CanBindUdp(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            await Task.Delay(10);
        }
    }

    private async Task<IReadOnlyList<PeerReport>> TransferAsync(NodePair nodes, int messages, Func<CancellationToken, Task>? garbage, bool ownSocket = false, MspSettings? msp = null)
    {
        msp ??= Msp;
        var probe = CreateTestProbe();
        var peerA = ActorOf(TransferPeer.Props("A", probe, messages, sendSeed: 1, expectSeed: 2, maxSize: msp.MaxMessageSize));
        var spawner = ActorOf(EndpointSpawner.Props(peerA, msp));
        nodes.A.Node.Tell(new MdpProtocol.Bind(Port, spawner), spawner);
        await Task.Delay(50);

        var opened = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody, ownSocket), TimeSpan.FromSeconds(3));
        var peerB = ActorOf(TransferPeer.Props("B", probe, messages, sendSeed: 2, expectSeed: 1, maxSize: msp.MaxMessageSize));
        var endpointB = ActorOf(MspEndpoint.Props(opened.Flow, ActorRefs.Nobody, msp));
        opened.Flow.Register(endpointB);

        using var stopGarbage = new CancellationTokenSource();
        var garbageTask = garbage is null ? Task.CompletedTask : Task.Run(() => garbage(stopGarbage.Token));
        endpointB.Tell(new Connect(peerB), peerB);

        var first = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        var second = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        await stopGarbage.CancelAsync();
        await garbageTask;
        return [first, second];
    }
}
