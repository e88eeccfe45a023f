using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Tests.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Mdp;

/// <summary>
/// Hellos with fresh keys (each would cost an ECDH) sprayed at a node far beyond its budget: they are dropped unchecked
/// and counted, while a real neighbour still meets the node, carries a stream intact, and keeps its link idle.
/// </summary>
public sealed class MdpHelloFloodTests(ITestOutputHelper output) : StriperTestKit
{
    private const int Budget = 128;

    private static readonly MdpSettings Mdp = MdpSettings.Default with
    {
        HelloInterval = TimeSpan.FromMilliseconds(50),
        HelloKeepalive = TimeSpan.FromMilliseconds(100),
        LinkTimeout = TimeSpan.FromMilliseconds(400),
        MaxHellosPerSecond = Budget,
    };

    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30) };

    [Fact]
    public async Task A_hello_flood_beyond_the_budget_should_be_throttled_while_a_real_neighbour_meets_and_carries_a_transfer()
    {
        await using var a = RunningMdpNode.Start(Sys, NodeIdentity.Generate(), Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [], "mdp-a");
        using var stop = new CancellationTokenSource();
        var sent = 0L;
        var flood = Task.Factory.StartNew(() => Flood(a.LocalEndPoints[0], ref sent, stop.Token), TaskCreationOptions.LongRunning);
        try
        {
            await a.WaitForStatsAsync(s => s.HellosThrottled > Budget * 2);

            // A newcomer meets the node during the flood: its probe needs one token of another bucket than the flood's
            // (1 in 16 shares it, and then is in another one after the next salt change, within a second).
            await using var b = RunningMdpNode.Start(Sys, NodeIdentity.Generate(), Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [a.LocalEndPoints[0]], "mdp-b");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (!(await a.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3))).Sids.Contains(b.Sid)
                || !(await b.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3))).Sids.Contains(a.Sid))
            {
                Assert.True(DateTime.UtcNow < deadline, "the newcomer did not meet the node within 5 s of flood");
                await Task.Delay(10);
            }

            var reports = await MdpTransfer.RunAsync(this, a, b, messages: 2000, Msp);
            PeerReport.AssertExchanged(reports, closedCleanly: true);

            // Idle under the flood for several link timeouts: its keepalives (a known key) are never throttled.
            await Task.Delay(Mdp.LinkTimeout * 3);
            var stats = await a.GetStatsAsync();
            output.WriteLine($"flood sent {Interlocked.Read(ref sent)} hellos; received {stats.HellosReceived}, throttled {stats.HellosThrottled}, rejected {stats.HellosRejected}");
            Assert.Equal(0, stats.LinksExpired);
            Assert.Equal(1, stats.Hops);

            // Nearly every flood hello was dropped before key work; what was checked stayed within the budget's order.
            Assert.True(stats.HellosThrottled > stats.HellosRejected * 5, $"throttled {stats.HellosThrottled}, rejected {stats.HellosRejected}, sent {Interlocked.Read(ref sent)}");
        }
        finally
        {
            await stop.CancelAsync();
            await flood;
        }
    }

    /// <summary>From one socket: probes with fresh random keys (well-formed, almost never a valid point: the check still costs).</summary>
    private static void Flood(IPEndPoint target, ref long sent, CancellationToken token)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(11);
        var key = new byte[65];
        var hello = new byte[MdpPacket.HelloSize];
        while (!token.IsCancellationRequested)
        {
            for (var i = 0; i < 64; i++)
            {
                random.NextBytes(key);
                key[0] = 4;
                MdpPacket.WriteHelloBody(hello, replyWanted: true, incarnation: 1, nextSequence: 0, key, probe: true);
                socket.SendTo(hello, target);
                sent++;
            }

            Thread.Sleep(1);
        }
    }
}
