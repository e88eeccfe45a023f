using Akka.Actor;
using Striper.Actors.Msp;
using Striper.Actors.Tunnel;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// A neighbour writing to an <c>msp listen</c> port from many MDP source ports: each flow's bridge would open a
/// connection to the target at once, so garbage opens none, and SYNs open at most <see cref="MspSettings.MaxStreams"/>.
/// </summary>
public sealed class MspListenerLimitTests : StriperTestKit
{
    private const int Port = 9;
    private const int Bound = 8;
    private const int Flows = 60;

    [Fact]
    public async Task Flows_from_many_source_ports_should_open_target_connections_only_for_syns_and_at_most_max_streams()
    {
        await using var nodes = await NodePair.StartAsync(Sys);
        var opened = 0;
        var reports = CreateTestProbe();
        var listener = ActorOf(MspListener.Props(
            nodes.A.Node,
            Port,
            once: false,
            async token =>
            {
                Interlocked.Increment(ref opened);
                await Task.Delay(Timeout.Infinite, token);
                throw new OperationCanceledException();
            },
            reports,
            MspSettings.Default with { MaxStreams = Bound }));
        reports.ExpectMsg<TunnelProtocol.Listening>();

        // Garbage (not even an MSP packet) from 60 source ports: no bridge, no connection to the target.
        var random = new Random(5);
        for (var i = 0; i < Flows; i++)
        {
            var garbage = new byte[random.Next(1, 200)];
            random.NextBytes(garbage);
            (await OpenAsync(nodes)).Send(garbage);
        }

        await WaitForRefusedAsync(listener, Flows);
        Assert.Equal(0, Volatile.Read(ref opened));

        // SYNs from 60 more: the first max-streams get a bridge each, the rest are dropped.
        for (var i = 0; i < Flows; i++)
        {
            (await OpenAsync(nodes)).Send(new MspPacket { Flags = MspFlags.Syn | MspFlags.FromInitiator, StreamId = (uint)i + 1, Window = 64 }.ToArray());
        }

        await WaitForRefusedAsync(listener, Flows + Flows - Bound);

        // Each accepted flow's bridge opens its target connection on its own task: wait for the last of them.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Volatile.Read(ref opened) < Bound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(Bound, Volatile.Read(ref opened));
    }

    private static async Task<Striper.Actors.Mdp.MdpFlow> OpenAsync(NodePair nodes) =>
        (await nodes.B.Node.Ask<Striper.Actors.Mdp.MdpProtocol.FlowOpened>(new Striper.Actors.Mdp.MdpProtocol.OpenFlow(nodes.A.Sid, Port, ActorRefs.Nobody), TimeSpan.FromSeconds(3))).Flow;

    private static async Task WaitForRefusedAsync(IActorRef listener, long expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        long refused;
        while ((refused = await listener.Ask<long>(TunnelProtocol.GetFlowsRefused.Instance, TimeSpan.FromSeconds(3))) < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{refused} flows refused, expected {expected}");
            await Task.Delay(20);
        }

        Assert.Equal(expected, refused);
    }
}
