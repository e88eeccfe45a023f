using System.Net;
using System.Net.Sockets;
using Striper.Actors.Msp;
using Striper.Actors.Tunnel;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>The tunnel actors in process over real loopback UDP: several TCP connections at once, each its own MSP stream.</summary>
public sealed class MspTunnelTests : StriperTestKit
{
    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30), Linger = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Three_tcp_connections_through_one_tunnel_should_each_arrive_intact_both_ways()
    {
        const long Size = 1 << 20;
        await using var nodes = await NodePair.StartAsync(Sys);
        await using var target = new HashingTarget(Size, seed: 11);
        var reports = CreateTestProbe();
        ActorOf(MspListener.Props(nodes.A.Node, 9, once: false, ct => ConnectAsync(target.EndPoint, ct), reports, Msp));
        reports.ExpectMsg<TunnelProtocol.Listening>();

        using var entry = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        entry.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        entry.Listen(8);
        var exchanges = new List<Task>();
        var apps = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            apps.Add(app);
            await app.ConnectAsync(entry.LocalEndPoint!);
            var accepted = await entry.AcceptAsync();
            ActorOf(MspBridge.Connecting(nodes.B.Node, nodes.A.Sid, 9, _ => Task.FromResult<IByteDuplex>(new SocketDuplex(accepted)), reports, Msp));
            exchanges.Add(target.ExchangeAsync(app, Size, seed: 20 + i, TimeSpan.FromSeconds(20)));
        }

        await Task.WhenAll(exchanges);
        await target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var expected = Enumerable.Range(0, 3).Select(i => Convert.ToHexString(TestData.Sha256(Size, 20 + i))).Order().ToList();
        Assert.Equal(expected, target.Received.Order().ToList());
        foreach (var app in apps)
        {
            app.Dispose();
        }
    }

    private static async Task<IByteDuplex> ConnectAsync(IPEndPoint endPoint, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, token);
        return new SocketDuplex(socket);
    }
}
