using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Settings;

namespace Striper.Actors.Transport;

/// <summary>
/// The server proxy's MSP side: listens on <see cref="ServicePort"/> of the proxy's MDP node. Each client flow (one
/// per MSP substream, each from its own UDP port) gets an <see cref="MspEndpoint"/> whose acceptor is a
/// <see cref="MspSubstreamPort"/>; the port hands the stream's connection to the server proxy, which runs the same
/// handshake as for a TCP substream. When the port stops (its stream ended), the endpoint and the flow go too.
/// At most as many flows as the server could ever use at once are kept; datagrams of further new flows are dropped.
/// </summary>
internal sealed class MspSubstreamListener : ReceiveActor
{
    /// <summary>The MDP port of a server proxy's node that MSP substreams are opened to.</summary>
    public const int ServicePort = 1;

    private readonly IActorRef _node;
    private readonly IActorRef _proxy;
    private readonly StriperSettings _settings;
    private readonly int _maxFlows;
    private readonly Dictionary<(Sid Peer, int RemotePort, MdpHopLink? Hop), (IActorRef Port, IActorRef Endpoint, MdpFlow Flow)> _flows = [];

    public MspSubstreamListener(IActorRef node, IActorRef proxy, StriperSettings settings)
    {
        _node = node;
        _proxy = proxy;
        _settings = settings;
        _maxFlows = (int)Math.Min(1_000_000, ((long)settings.MaxSessions * settings.MaxSubstreamsPerSession) + settings.MaxPendingHandshakes);
        Receive<MdpProtocol.Bound>(_ => { });
        Receive<MdpProtocol.BindFailed>(m => throw new InvalidOperationException($"cannot listen on MDP port {ServicePort}: {m.Reason}"));
        Receive<MdpProtocol.FlowDatagram>(OnFlowDatagram);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(IActorRef node, IActorRef proxy, StriperSettings settings) =>
        Akka.Actor.Props.Create(() => new MspSubstreamListener(node, proxy, settings));

    protected override void PreStart() => _node.Tell(new MdpProtocol.Bind(ServicePort, Self), Self);

    protected override void PostStop() => _node.Tell(new MdpProtocol.Unbind(ServicePort));

    /// <summary>A failed port or endpoint is stopped, never restarted: its stream cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void OnFlowDatagram(MdpProtocol.FlowDatagram message)
    {
        var flow = message.Flow;
        var key = (flow.Peer, flow.RemotePort, flow.Hop);
        if (!_flows.TryGetValue(key, out var entry))
        {
            if (_flows.Count >= _maxFlows)
            {
                return;
            }

            var remote = flow.Hop?.RemoteEndPoint.ToString() ?? flow.Peer.Abbreviated;
            var port = Context.ActorOf(MspSubstreamPort.Accepting(_proxy, _settings.Msp, _settings.HandshakeTimeout, remote));
            var endpoint = Context.ActorOf(MspEndpoint.Props(flow, port, _settings.Msp));
            Context.Watch(port);
            flow.Register(endpoint);
            entry = (port, endpoint, flow);
            _flows[key] = entry;
        }

        entry.Endpoint.Tell(new MspProtocol.DatagramReceived(message.Payload));
    }

    private void OnTerminated(Terminated message)
    {
        foreach (var (key, entry) in _flows)
        {
            if (ReferenceEquals(entry.Port, message.ActorRef))
            {
                _flows.Remove(key);
                entry.Flow.Unregister();
                Context.Stop(entry.Endpoint);
                return;
            }
        }
    }
}
