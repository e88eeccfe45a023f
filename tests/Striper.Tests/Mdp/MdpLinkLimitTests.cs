using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// Hellos that verify, from many addresses with fresh key pairs (anyone can make one): the node keeps at most
/// <see cref="MdpSettings.MaxLinks"/> links, counts the rest, and the neighbour it already had stays up.
/// </summary>
public sealed class MdpLinkLimitTests : StriperTestKit
{
    private const int MaxLinks = 3;
    private const int Strangers = 24;

    [Fact]
    public async Task Verified_hellos_from_many_addresses_should_open_at_most_max_links()
    {
        await using var nodes = await NodePair.StartAsync(Sys, MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100), MaxLinks = MaxLinks });
        var target = nodes.A.LocalEndPoints[0];
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < Strangers; i++)
            {
                using var identity = NodeIdentity.Generate();
                var keys = MdpLinkKeys.Derive(identity.DeriveSharedSecret(nodes.A.Identity.PublicKey)!, identity.Sid, nodes.A.Sid);
                var hello = new byte[MdpPacket.HelloSize];
                var length = MdpPacket.WriteHelloBody(hello, replyWanted: false, incarnation: (uint)i + 1, nextSequence: 0, identity.PublicKey);
                HMACSHA256.HashData(keys.Send, hello.AsSpan(0, length)).AsSpan(0, MdpPacket.MacSize).CopyTo(hello.AsSpan(length));
                var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(socket);
                socket.SendTo(hello, target);
            }

            // One link is B's; the strangers get the rest of the slots and no more.
            var stats = await nodes.A.GetStatsAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (stats.Hops + stats.LinksRefused < 1 + Strangers)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{stats.Hops} links and {stats.LinksRefused} refused after 5 s");
                await Task.Delay(20);
                stats = await nodes.A.GetStatsAsync();
            }

            Assert.Equal(MaxLinks, stats.Hops);
            Assert.Equal(Strangers - (MaxLinks - 1), stats.LinksRefused);
            var neighbours = await nodes.A.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3));
            Assert.Contains(nodes.B.Sid, neighbours.Sids);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }
}
