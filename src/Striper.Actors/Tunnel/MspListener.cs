using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using static Striper.Actors.Msp.MspProtocol;
using static Striper.Actors.Tunnel.TunnelProtocol;

namespace Striper.Actors.Tunnel;

/// <summary>
/// An MSP listening socket on an MDP port (seed 001's <c>msp_listen</c>). Each remote (SID, port) that writes to the
/// port gets an <see cref="MspEndpoint"/> child on its flow, and an <see cref="MspBridge"/> child that is that
/// endpoint's acceptor: the stream the caller opens reports to the bridge from its first message, so its data
/// reaches the byte side by one path, in order (handing a stream over from the listener to a bridge later would let
/// messages forwarded by the listener overtake the stream's own). A tunnel caller opens one stream per flow; a
/// second stream on the same flow is reset by the bridge. With <c>once</c> only the first flow gets a bridge.
/// </summary>
internal sealed class MspListener : ReceiveActor
{
    private readonly IActorRef _node;
    private readonly int _port;
    private readonly bool _once;
    private readonly Func<CancellationToken, Task<IByteDuplex>> _openDuplex;
    private readonly IActorRef _reportTo;
    private readonly MspSettings _settings;
    // Keyed by the remote end and the link (null for a routed flow, which follows whatever path the mesh has).
    private readonly Dictionary<(Sid Peer, int RemotePort, MdpHopLink? Hop), (IActorRef Endpoint, MdpFlow Flow)> _endpoints = [];
    private readonly Dictionary<IActorRef, IActorRef> _endpointOfBridge = [];
    private int _accepted;
    private long _flowsRefused;

    public MspListener(IActorRef node, int port, bool once, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings)
    {
        _node = node;
        _port = port;
        _once = once;
        _openDuplex = openDuplex;
        _reportTo = reportTo;
        _settings = settings;
        Receive<MdpProtocol.Bound>(m => _reportTo.Tell(new Listening(m.Port), Self));
        Receive<MdpProtocol.BindFailed>(m =>
        {
            _reportTo.Tell(new ListenFailed(m.Reason), Self);
            Context.Stop(Self);
        });
        Receive<MdpProtocol.FlowDatagram>(OnFlowDatagram);
        Receive<Accepted>(m => m.Stream.Tell(Abort.Instance));
        Receive<Terminated>(OnTerminated);
        Receive<GetFlowsRefused>(_ => Sender.Tell(_flowsRefused));
    }

    public static Props Props(IActorRef node, int port, bool once, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings) =>
        Akka.Actor.Props.Create(() => new MspListener(node, port, once, openDuplex, reportTo, settings));

    protected override void PreStart() => _node.Tell(new MdpProtocol.Bind(_port, Self), Self);

    protected override void PostStop() => _node.Tell(new MdpProtocol.Unbind(_port));

    /// <summary>A bridge or endpoint that fails is stopped, never restarted: its stream and socket cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void OnFlowDatagram(MdpProtocol.FlowDatagram message)
    {
        var flow = message.Flow;
        var key = (flow.Peer, flow.RemotePort, flow.Hop);
        if (!_endpoints.TryGetValue(key, out var entry))
        {
            // A bridge opens its byte side (a TCP connection to the target) at once, so only a flow that starts with
            // a SYN gets one, and only while fewer than max-streams flows are open: anything else from a neighbour,
            // from however many source ports, must not open connections or hold actors.
            if (_endpoints.Count >= _settings.MaxStreams || !IsSyn(message.Payload))
            {
                _flowsRefused++;
                return;
            }

            // Under --once, later callers get an endpoint whose streams the listener itself resets.
            IActorRef acceptor = Self;
            if (!_once || _accepted == 0)
            {
                _accepted++;
                acceptor = Context.ActorOf(MspBridge.Accepting(flow, _openDuplex, _reportTo, _settings));
                Context.Watch(acceptor);
                _reportTo.Tell(new StreamAccepted(acceptor), Self);
            }

            var endpoint = Context.ActorOf(MspEndpoint.Props(flow, acceptor, _settings));
            Context.Watch(endpoint);
            entry = (endpoint, flow);
            _endpoints[key] = entry;
            if (!ReferenceEquals(acceptor, Self))
            {
                _endpointOfBridge[acceptor] = endpoint;
            }

            flow.Register(endpoint);
        }

        entry.Endpoint.Tell(new DatagramReceived(message.Payload));
    }

    private bool IsSyn(ReadOnlyMemory<byte> datagram) =>
        MspPacket.TryParse(datagram, _settings.MaxMessageSize, out var packet) == MspParseError.None
        && packet!.Has(MspFlags.Syn) && packet.Has(MspFlags.FromInitiator) && !packet.Has(MspFlags.Rst);

    private void OnTerminated(Terminated message)
    {
        // A bridge ends after its stream closed and lingered: its endpoint has nothing left to do.
        if (_endpointOfBridge.Remove(message.ActorRef, out var ofBridge))
        {
            Context.Stop(ofBridge);
            return;
        }

        foreach (var (key, entry) in _endpoints)
        {
            if (ReferenceEquals(entry.Endpoint, message.ActorRef))
            {
                _endpoints.Remove(key);
                entry.Flow.Unregister();
                return;
            }
        }
    }
}
