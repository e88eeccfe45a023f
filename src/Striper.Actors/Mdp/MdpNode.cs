using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Services;
using static Striper.Actors.Mdp.MdpProtocol;

namespace Striper.Actors.Mdp;

/// <summary>
/// An MDP node: its identity, its bound UDP sockets (one <see cref="MdpSocket"/> child each), one <see cref="MdpHop"/>
/// child per neighbour link, and the local port bindings. It says hello to configured peers, checks the hellos it
/// gets (the key must hash to the claimed SID and the MAC must verify with the link key that key gives) and opens a
/// link per neighbour address. Hellos with new keys are checked within a budget (<see cref="MdpHelloBudget"/>), so a
/// flood cannot make the node spend unbounded CPU on key agreement; a link on which nothing valid has been heard for
/// <see cref="MdpSettings.LinkTimeout"/> is removed on the hello timer's round. It routes by (SID, port): a flow to a
/// neighbour goes over a link to it; a flow to a node further away is routed hop by hop over the mesh (the node's
/// link-state routing, MdpNode.Routing.cs).
/// Arriving datagrams go straight from the sockets to the hops, which deliver them; the node only sees hellos and
/// strangers.
/// </summary>
internal sealed partial class MdpNode : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private const string HelloTimer = "hello";
    private const int KeyCacheLimit = 256;
    private const int FirstEphemeralPort = 32768;

    private readonly NodeIdentity _identity;
    private readonly MdpSettings _settings;
    private readonly MdpCounters _counters;
    private readonly List<MdpSocketEntry> _sockets;
    private readonly List<IPEndPoint> _peers;
    private readonly ConcurrentDictionary<int, IActorRef> _bindings = new();
    private readonly Dictionary<Sid, List<MdpHopLink>> _bySid = [];
    private readonly Dictionary<string, (Sid Sid, MdpLinkKeys Keys)> _keys = [];
    private readonly Dictionary<long, PendingOpen> _pending = [];
    private readonly Dictionary<MdpHopLink, long> _lastKeepalive = [];
    private readonly Dictionary<MdpHopLink, long> _lastHeard = [];

    /// <summary>Links whose neighbour said bye and that go when their grace is over (see OnBye).</summary>
    private readonly HashSet<MdpHopLink> _saidBye = [];
    private readonly MdpHelloBudget _helloBudget;
    private readonly byte[] _scratch = new byte[MdpPacket.HelloSize];
    private long _ownSockets;
    /// <summary>How long a link stays after its neighbour's bye, for datagrams already on their way (see OnBye).</summary>
    private static readonly TimeSpan ByeGrace = TimeSpan.FromSeconds(1);

    private readonly uint _incarnation = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
    private long _nextPendingId;
    private int _nextPort = FirstEphemeralPort;

    public MdpNode(NodeIdentity identity, MdpSettings settings, MdpCounters counters, IReadOnlyList<MdpSocketEntry> sockets, IEnumerable<IPEndPoint> peers)
    {
        _identity = identity;
        _settings = settings;
        _counters = counters;
        _sockets = [.. sockets];
        _peers = [.. peers];
        _helloBudget = new MdpHelloBudget(settings.MaxHellosPerSecond, Context.Clock());
        Receive<MdpBatch>(OnBatch);
        Receive<HelloTick>(_ => SayHello());
        Receive<AddPeer>(m =>
        {
            _peers.Add(m.EndPoint);
            SayHello();
        });
        Receive<Bind>(OnBind);
        Receive<Unbind>(m =>
        {
            _bindings.TryRemove(m.Port, out _);
            ForgetServicesOn(m.Port);
        });
        Receive<OpenFlow>(m => OnOpenFlow(m, Sender));
        Receive<OpenTimeout>(OnOpenTimeout);
        Receive<CloseFlow>(OnCloseFlow);
        Receive<ByeGraceOver>(OnByeGraceOver);
        Receive<GetStats>(_ => Sender.Tell(_counters.Snapshot(_bySid.Values.Sum(l => l.Count))));
        Receive<GetNeighbours>(_ => Sender.Tell(new Neighbours([.. _bySid.Keys])));
        Receive<Terminated>(OnTerminated);
        ReceiveRoutingMessages();
    }

    public static Props Props(NodeIdentity identity, MdpSettings settings, MdpCounters counters, IReadOnlyList<MdpSocketEntry> sockets, IEnumerable<IPEndPoint> peers) =>
        Akka.Actor.Props.Create(() => new MdpNode(identity, settings, counters, sockets, peers));

    protected override void PreStart()
    {
        var i = 0;
        foreach (var entry in _sockets)
        {
            entry.Actor = Context.ActorOf(MdpSocket.Props(entry.Socket, entry.Hops, Self, _counters, _bindings, _settings), $"udp-{i++}");
        }

        StartRouting();
        Timers.StartPeriodicTimer(HelloTimer, HelloTick.Instance, _settings.HelloInterval);
        SayHello();
    }

    private void OnBatch(MdpBatch batch)
    {
        var entry = _sockets.FirstOrDefault(s => ReferenceEquals(s.Socket, batch.Socket));
        for (var i = 0; i < batch.Count; i++)
        {
            var datagram = batch.Datagram(i).Span;
            var sender = batch.Senders is null ? null : batch.Senders[i];
            switch (MdpPacket.PeekType(datagram))
            {
                case MdpPacketType.Hello when entry is not null && sender is not null:
                    OnHello(entry, sender, datagram);
                    break;
                case MdpPacketType.Bye when entry is not null && sender is not null:
                    OnBye(entry, sender, datagram);
                    break;
                case MdpPacketType.Data or MdpPacketType.Ack when datagram.Length <= _settings.Mtu:
                    // From an address with no link: nobody we have exchanged verified hellos with.
                    Interlocked.Increment(ref _counters.UnknownSenderDropped);
                    break;
                default:
                    Interlocked.Increment(ref _counters.MalformedDropped);
                    break;
            }
        }
    }

    private void OnBind(Bind message)
    {
        if (message.Port is < 1 or > 65535)
        {
            Sender.Tell(new BindFailed(message.Port, $"MDP port {message.Port} is not from 1 to 65535"));
        }
        else if (!_bindings.TryAdd(message.Port, message.Handler))
        {
            Sender.Tell(new BindFailed(message.Port, $"MDP port {message.Port} is already bound"));
        }
        else
        {
            Context.Watch(message.Handler);
            Sender.Tell(new Bound(message.Port));
        }
    }

    /// <summary>
    /// Hops and sockets own a link's window and a socket: restarted, they would run again on what their first life
    /// disposed. A failed one is stopped, and the node drops what it served (<see cref="DropFailedHop"/>).
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void OnTerminated(Terminated message)
    {
        if (DropFailedHop(message.ActorRef))
        {
            return;
        }

        foreach (var (port, handler) in _bindings)
        {
            if (ReferenceEquals(handler, message.ActorRef))
            {
                _bindings.TryRemove(port, out _);
            }
        }
    }

    private void SendRaw(Socket socket, SocketAddress to, ReadOnlySpan<byte> datagram)
    {
        try
        {
            socket.SendTo(datagram, SocketFlags.None, to);
            Interlocked.Increment(ref _counters.DatagramsSent);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _counters.SendErrors);
        }
    }

    private static bool SameEndPoint(IPEndPoint a, IPEndPoint b) => a.Port == b.Port && Normal(a.Address).Equals(Normal(b.Address));

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
