using Akka.Actor;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;

namespace Striper.Tests.Mdp;

/// <summary>A bare MDP port handler for tests: an MSP endpoint per new flow, whose streams go to one acceptor.</summary>
internal sealed class EndpointSpawner : ReceiveActor
{
    public EndpointSpawner(IActorRef acceptor, MspSettings settings)
    {
        var endpoints = new Dictionary<(int, MdpHopLink?), IActorRef>();
        Receive<MdpProtocol.Bound>(_ => { });
        Receive<MdpProtocol.FlowDatagram>(m =>
        {
            if (!endpoints.TryGetValue((m.Flow.RemotePort, m.Flow.Hop), out var endpoint))
            {
                endpoint = Context.ActorOf(MspEndpoint.Props(m.Flow, acceptor, settings));
                endpoints[(m.Flow.RemotePort, m.Flow.Hop)] = endpoint;
                m.Flow.Register(endpoint);
            }

            endpoint.Tell(new MspProtocol.DatagramReceived(m.Payload));
        });
    }

    public static Props Props(IActorRef acceptor, MspSettings settings) =>
        Akka.Actor.Props.Create(() => new EndpointSpawner(acceptor, settings));
}
