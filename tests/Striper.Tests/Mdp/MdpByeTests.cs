using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Mdp;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// BYE: a node that closes an own-socket flow's socket tells the neighbour, which frees its end of that link within
/// the grace instead of at its link timeout; a bye that does not come from a link is counted and changes nothing.
/// </summary>
public sealed class MdpByeTests : StriperTestKit
{
    private static readonly MdpSettings Mdp = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public void A_bye_should_read_back_what_was_written_and_nothing_else_should_read_as_one()
    {
        var datagram = new byte[MdpPacket.ByeSize];
        MdpPacket.WriteByeBody(datagram, senderIncarnation: 7, receiverIncarnation: 9);

        Assert.True(MdpPacket.TryReadBye(datagram, out var sender, out var receiver));
        Assert.Equal(7u, sender);
        Assert.Equal(9u, receiver);
        Assert.False(MdpPacket.TryReadBye(datagram.AsSpan(0, MdpPacket.ByeSize - 1), out _, out _));
        datagram[2] = 1;
        Assert.False(MdpPacket.TryReadBye(datagram, out _, out _));
    }

    [Fact]
    public async Task Closing_an_own_socket_flow_should_free_the_neighbours_end_of_its_link_at_once()
    {
        await using var nodes = await NodePair.StartAsync(Sys, Mdp);
        var opened = await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(nodes.A.Sid, 9, ActorRefs.Nobody, OwnSocket: true), TimeSpan.FromSeconds(3));
        await nodes.A.WaitForStatsAsync(s => s.Hops == 2);

        nodes.B.Node.Tell(new MdpProtocol.CloseFlow(opened.Flow));

        // Within the one-second grace and a little, not the 30 s link timeout.
        var stats = await nodes.A.WaitForStatsAsync(s => s.Hops == 1, TimeSpan.FromSeconds(3));
        Assert.Equal(1, stats.LinksClosedByPeer);
        Assert.Equal(0, stats.LinksExpired);
        Assert.Equal(0, stats.ForgedDropped);
    }

    [Fact]
    public async Task A_bye_from_an_address_without_a_link_should_be_counted_and_change_nothing()
    {
        await using var nodes = await NodePair.StartAsync(Sys, Mdp);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var datagram = new byte[MdpPacket.ByeSize];
        MdpPacket.WriteByeBody(datagram, senderIncarnation: 1, receiverIncarnation: 2);

        stranger.SendTo(datagram, nodes.A.LocalEndPoints[0]);

        var stats = await nodes.A.WaitForStatsAsync(s => s.UnknownSenderDropped >= 1, TimeSpan.FromSeconds(3));
        Assert.Equal(1, stats.Hops);
        Assert.Equal(0, stats.LinksClosedByPeer);
    }
}
