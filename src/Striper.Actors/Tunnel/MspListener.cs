using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Actors.Runtime;
using static Striper.Actors.Msp.MspProtocol;
using static Striper.Actors.Tunnel.TunnelProtocol;

namespace Striper.Actors.Tunnel;

/// <summary>
/// An MSP listening socket on an MDP port (seed 001's <c>msp_listen</c>). Each remote (SID, port) that writes to the
/// port gets an <see cref="MspEndpoint"/> child on its flow; each stream a caller opens gets an <see cref="MspBridge"/>
/// child joining it to a fresh byte side (a TCP connection to the forward port, or standard input and output). With
/// <c>once</c> only the first stream is accepted and later ones are reset.
/// </summary>
internal sealed class MspListener : ReceiveActor
{
    private readonly IActorRef _node;
    private readonly int _port;
    private readonly bool _once;
    private readonly Func<CancellationToken, Task<IByteDuplex>> _openDuplex;
    private readonly IActorRef _reportTo;
    private readonly MspSettings _settings;
    private readonly Dictionary<(Sid Peer, int RemotePort, MdpHopLink Hop), IActorRef> _endpoints = [];
    private readonly Dictionary<IActorRef, IActorRef> _bridgeOfStream = [];
    private int _accepted;

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
        Receive<Accepted>(OnAccepted);
        Receive<StateChanged>(ForwardToBridge);
        Receive<Received>(ForwardToBridge);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(IActorRef node, int port, bool once, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings) =>
        Runtime.Props.Create(() => new MspListener(node, port, once, openDuplex, reportTo, settings));

    protected override void PreStart() => _node.Tell(new MdpProtocol.Bind(_port, Self), Self);

    protected override void PostStop() => _node.Tell(new MdpProtocol.Unbind(_port));

    private void OnFlowDatagram(MdpProtocol.FlowDatagram message)
    {
        var flow = message.Flow;
        var key = (flow.Peer, flow.RemotePort, flow.Hop);
        if (!_endpoints.TryGetValue(key, out var endpoint))
        {
            endpoint = Context.ActorOf(MspEndpoint.Props(flow, Self, _settings));
            Context.Watch(endpoint);
            _endpoints[key] = endpoint;
            flow.Register(endpoint);
        }

        endpoint.Tell(new DatagramReceived(message.Payload));
    }

    private void OnAccepted(Accepted message)
    {
        if (_once && _accepted > 0)
        {
            message.Stream.Tell(Abort.Instance);
            return;
        }

        _accepted++;
        var bridge = Context.ActorOf(MspBridge.Accepted(message.Stream, _openDuplex, _reportTo, _settings));
        _bridgeOfStream[message.Stream] = bridge;
        Context.Watch(bridge);
        message.Stream.Tell(new SetOwner(bridge));
        _reportTo.Tell(new StreamAccepted(bridge), Self);
    }

    /// <summary>Messages a new stream sent before it heard <see cref="SetOwner"/> (first data may come with the SYN).</summary>
    private void ForwardToBridge(object message)
    {
        if (_bridgeOfStream.TryGetValue(Sender, out var bridge))
        {
            bridge.Forward(message);
        }
    }

    private void OnTerminated(Terminated message)
    {
        foreach (var (stream, bridge) in _bridgeOfStream)
        {
            if (ReferenceEquals(bridge, message.ActorRef))
            {
                _bridgeOfStream.Remove(stream);
                return;
            }
        }

        foreach (var (key, endpoint) in _endpoints)
        {
            if (ReferenceEquals(endpoint, message.ActorRef))
            {
                _endpoints.Remove(key);
                key.Hop.Flows.TryRemove(MdpHopLink.FlowKey(_port, key.RemotePort), out _);
                return;
            }
        }
    }
}
