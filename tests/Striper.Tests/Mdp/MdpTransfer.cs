using Akka.Actor;
using Akka.TestKit.Xunit2;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Tests.Msp;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Mdp;

/// <summary>One MSP stream from node <c>b</c> to a port of node <c>a</c>, both ways, with the peers' reports.</summary>
internal static class MdpTransfer
{
    public const int Port = 9;

    public static async Task<IReadOnlyList<PeerReport>> RunAsync(TestKit kit, RunningMdpNode a, RunningMdpNode b, int messages, MspSettings msp)
    {
        var probe = kit.CreateTestProbe();
        var peerA = kit.ActorOf(TransferPeer.Props("A", probe, messages, sendSeed: 1, expectSeed: 2, maxSize: msp.MaxMessageSize));
        var spawner = kit.ActorOf(EndpointSpawner.Props(peerA, msp));
        await a.Node.Ask<MdpProtocol.Bound>(new MdpProtocol.Bind(Port, spawner), TimeSpan.FromSeconds(3));

        var opened = await b.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(a.Sid, Port, ActorRefs.Nobody), TimeSpan.FromSeconds(3));
        var peerB = kit.ActorOf(TransferPeer.Props("B", probe, messages, sendSeed: 2, expectSeed: 1, maxSize: msp.MaxMessageSize));
        var endpointB = kit.ActorOf(MspEndpoint.Props(opened.Flow, ActorRefs.Nobody, msp));
        opened.Flow.Register(endpointB);
        endpointB.Tell(new Connect(peerB), peerB);

        var first = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        var second = probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20));
        a.Node.Tell(new MdpProtocol.Unbind(Port));
        kit.Sys.Stop(spawner);
        return [first, second];
    }
}
