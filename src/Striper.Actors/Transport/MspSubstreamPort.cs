using Akka.Actor;
using Striper.Actors.Legs;
using Striper.Actors.Mdp;
using Striper.Actors.Metrics;
using Striper.Actors.Msp;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Transport;

/// <summary>
/// One MSP substream's home for as long as its stream lives: it owns the stream during the substream handshake (its
/// messages go into a <see cref="MspSubstreamConnection"/>), then hands it to the leg, and stops when the stream stops.
/// A dialling port (client) finds the server's SID among its node's neighbours, opens a flow with its own UDP socket,
/// an <see cref="MspEndpoint"/> on it (as its child) and one stream. An accepting port (server) is the acceptor of the
/// endpoint a <see cref="MspSubstreamListener"/> made for one client flow; the first stream the client opens is the
/// substream, any other is reset. The handover avoids reordering: after telling the stream its new owner, the port asks
/// the stream for its statistics; the answer comes after every message the stream sent the port, so the leg receives
/// the leftover of the handshake before anything the stream sent it directly (which it keeps until then). From then on
/// it asks the stream for its statistics once a second and publishes its model of the path (bandwidth, min RTT,
/// window, pacing, loss) into the substream's <see cref="SubstreamStats"/> for the status view and /metrics.
/// </summary>
internal sealed class MspSubstreamPort : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private const string ResolveTimer = "resolve";
    private const string DeadlineTimer = "deadline";
    private const string PublishTimer = "publish";
    private static readonly TimeSpan ResolveInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the stream's figures are refreshed: the control endpoint samples once a second.</summary>
    private static readonly TimeSpan PublishInterval = TimeSpan.FromSeconds(1);

    private readonly MspSettings _settings;
    private readonly IActorRef? _node;
    private readonly int _remotePort;
    private readonly TaskCompletionSource<MspSubstreamConnection>? _dialed;
    private readonly IActorRef? _acceptedTo;
    private readonly string _remote;
    private readonly TimeSpan _deadline;
    private MdpFlow? _flow;
    private IActorRef? _stream;
    private MspSubstreamConnection? _connection;
    private IActorRef? _leg;
    private bool _handedOver;
    private SubstreamStats? _stats;
    private MspSubstreamStatus? _published;

    public MspSubstreamPort(MspSettings settings, IActorRef? node, int remotePort, TaskCompletionSource<MspSubstreamConnection>? dialed, IActorRef? acceptedTo, string remote, TimeSpan deadline)
    {
        _settings = settings;
        _node = node;
        _remotePort = remotePort;
        _dialed = dialed;
        _acceptedTo = acceptedTo;
        _remote = remote;
        _deadline = deadline;

        Receive<Resolve>(_ => _node!.Tell(MdpProtocol.GetNeighbours.Instance, Self));
        Receive<MdpProtocol.Neighbours>(OnNeighbours);
        Receive<MdpProtocol.FlowOpened>(OnFlowOpened);
        Receive<MdpProtocol.FlowFailed>(m => Fail("cannot open an MDP flow to the server: " + m.Reason));
        Receive<Connected>(m => Adopt(m.Stream));
        Receive<Accepted>(m =>
        {
            if (_stream is null)
            {
                Adopt(m.Stream);
            }
            else if (!ReferenceEquals(m.Stream, _stream))
            {
                m.Stream.Tell(Abort.Instance);
            }
        });
        Receive<Received>(m => _connection?.Deliver(m.Payload));
        Receive<StateChanged>(m => _connection?.OnStateChanged(m));
        // A handshake's few bytes are never over the send limit; a refusal after the stream failed shows up as its error.
        Receive<SendRejected>(_ => { });
        Receive<HandOver>(OnHandOver);
        Receive<MspStats>(OnStats);
        Receive<Publish>(_ => _stream?.Tell(GetStats.Instance, Self));
        Receive<Deadline>(_ =>
        {
            var seconds = deadline.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            if (_node is not null && _flow is null)
            {
                Fail($"no answer on UDP from {_remote} within {seconds}s (is the server proxy running with --transport msp or tcp,msp?)");
            }
            else if (_stream is null)
            {
                Fail($"no MSP stream within {seconds}s");
            }
        });
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>Client: a new substream to MDP port <paramref name="remotePort"/> of the one neighbour of <paramref name="node"/>.</summary>
    public static Props Dialing(IActorRef node, int remotePort, MspSettings settings, TimeSpan timeout, TaskCompletionSource<MspSubstreamConnection> dialed, string remote) =>
        Props.Create(() => new MspSubstreamPort(settings, node, remotePort, dialed, null, remote, timeout));

    /// <summary>Server: the acceptor of one client flow's endpoint; the substream's connection goes to <paramref name="acceptedTo"/>.</summary>
    public static Props Accepting(IActorRef acceptedTo, MspSettings settings, TimeSpan timeout, string remote) =>
        Props.Create(() => new MspSubstreamPort(settings, null, 0, null, acceptedTo, remote, timeout));

    protected override void PreStart()
    {
        Timers.StartSingleTimer(DeadlineTimer, Deadline.Instance, _deadline);
        if (_node is not null)
        {
            Self.Tell(Resolve.Instance);
        }
    }

    protected override void PostStop()
    {
        if (_flow is not null)
        {
            // The flow's own UDP socket goes with it (a flow per substream and per re-dial would add up otherwise).
            _node?.Tell(new MdpProtocol.CloseFlow(_flow));
        }

        _connection?.OnStreamStopped();
        if (_published is not null)
        {
            _stats?.ClearMsp(_published);
        }

        _dialed?.TrySetException(new IOException("the MSP substream was closed before it was set up"));
    }

    /// <summary>A failed endpoint is stopped, never restarted: its stream cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void OnNeighbours(MdpProtocol.Neighbours message)
    {
        // The client's node says hello to the server's address only, so its neighbour is the server.
        if (message.Sids.Count == 0)
        {
            Timers.StartSingleTimer(ResolveTimer, Resolve.Instance, ResolveInterval);
            return;
        }

        _node!.Tell(new MdpProtocol.OpenFlow(message.Sids[0], _remotePort, ActorRefs.Nobody, OwnSocket: true), Self);
    }

    private void OnFlowOpened(MdpProtocol.FlowOpened message)
    {
        _flow = message.Flow;
        var endpoint = Context.ActorOf(MspEndpoint.Props(message.Flow, Self, _settings), "endpoint");
        message.Flow.Register(endpoint);
        endpoint.Tell(new Connect(Self), Self);
    }

    private void Adopt(IActorRef stream)
    {
        _stream = stream;
        Context.Watch(stream);
        Timers.Cancel(DeadlineTimer);
        _connection = new MspSubstreamConnection(stream, Self, _flow is { } flow ? $"{_remote} (MSP {flow})" : _remote, _settings.MaxMessageSize);
        _dialed?.TrySetResult(_connection);
        _acceptedTo?.Tell(new Proxy.ProxyProtocol.MspSubstreamAccepted(_connection));
    }

    private void OnHandOver(HandOver message)
    {
        if (_stream is null || _leg is not null)
        {
            message.Leg.Tell(new TcpLegProtocol.Abort("the MSP stream is gone"));
            return;
        }

        _leg = message.Leg;
        _stats = message.Stats;
        _stream.Tell(new SetOwner(message.Leg), Self);
        _stream.Tell(GetStats.Instance, Self);
    }

    private void CompleteHandover()
    {
        if (_leg is null || _handedOver || _connection is null)
        {
            return;
        }

        _handedOver = true;
        var (leftover, unconsumed) = _connection.TakeLeftover();
        _leg.Tell(new MspLeg.HandedOver(leftover, unconsumed, _connection.MessagesSent, _connection.LastState));
        if (_stats is not null)
        {
            // Only now: an answer to an earlier request could otherwise be taken for the handover's.
            Timers.StartPeriodicTimer(PublishTimer, Publish.Instance, PublishInterval);
        }
    }

    /// <summary>The first answer after the handover request completes it; every answer after it is published.</summary>
    private void OnStats(MspStats stats)
    {
        CompleteHandover();
        if (_handedOver && _stats is not null)
        {
            _published = Describe(stats);
            _stats.SetMsp(_published);
        }
    }

    private static MspSubstreamStatus Describe(MspStats stats) => new(
        stats.CongestionControl,
        stats.CongestionPhase,
        stats.EstimatedBandwidthBytes,
        stats.MinRtt > TimeSpan.Zero ? stats.MinRtt.TotalMilliseconds : null,
        stats.CongestionWindow,
        double.IsFinite(stats.PacingRateBytes) && stats.PacingRateBytes > 0 ? stats.PacingRateBytes : null,
        stats.LossRate,
        stats.SendBufferSlots,
        stats.ReceiveBufferSlots);

    private void OnTerminated(Terminated message)
    {
        if (!ReferenceEquals(message.ActorRef, _stream))
        {
            return;
        }

        if (_leg is not null && !_handedOver)
        {
            _leg.Tell(new TcpLegProtocol.Abort("the MSP stream ended during the handover"));
        }

        Context.Stop(Self);
    }

    private void Fail(string reason)
    {
        _dialed?.TrySetException(new IOException(reason));
        Context.Stop(Self);
    }

    /// <summary>Session → port: the leg for this stream exists; give it the stream, and publish its figures into <paramref name="Stats"/>.</summary>
    public sealed record HandOver(IActorRef Leg, SubstreamStats? Stats);

    private sealed class Resolve
    {
        public static Resolve Instance { get; } = new();
    }

    private sealed class Deadline
    {
        public static Deadline Instance { get; } = new();
    }

    private sealed class Publish
    {
        public static Publish Instance { get; } = new();
    }
}
