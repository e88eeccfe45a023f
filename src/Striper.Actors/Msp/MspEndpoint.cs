using Akka.Actor;
using Striper.Actors.Services;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Actors.Msp;

/// <summary>
/// Demultiplexes one datagram link into MSP streams, one child actor each. A stream is named by its id plus which end
/// opened it (the initiator bit), so both ends may pick the same id. Datagrams are parsed and checked here once; a
/// corrupted one is counted and dropped. A SYN for an unknown stream creates it and tells the acceptor; any other
/// packet for an unknown (or recently closed) stream is answered with RST, never with a new stream. At most
/// <see cref="MspSettings.MaxStreams"/> streams live at once: a SYN beyond that is refused with RST and counted, so a
/// flood of SYNs with fresh stream ids costs a bounded amount of memory. When the link reports
/// <see cref="LinkDown"/> (its neighbour is gone), every stream, and any opened later, ends with that reason.
/// </summary>
internal sealed class MspEndpoint : ReceiveActor
{
    private const int RecentlyClosedLimit = 4096;

    private readonly IDatagramLink _link;
    private readonly IActorRef _acceptor;
    private readonly MspSettings _settings;
    private readonly Dictionary<MspStreamKey, IActorRef> _streams = [];
    private readonly Dictionary<IActorRef, MspStreamKey> _keys = [];
    private readonly Dictionary<MspStreamKey, long> _recentlyClosed = [];
    private readonly byte[] _scratch = new byte[MspPacket.HeaderSize + MspPacket.TrailerSize];
    private long _corruptDropped;
    private long _malformedDropped;
    private long _resetsSent;
    private long _streamsRefused;
    private long _packetsReceived;
    private string? _linkDown;

    public MspEndpoint(IDatagramLink link, IActorRef acceptor, MspSettings settings)
    {
        _link = link;
        _acceptor = acceptor;
        _settings = settings;
        Receive<Connect>(OnConnect);
        Receive<DatagramReceived>(m => OnDatagram(m.Datagram, batch: null));
        Receive<DatagramsReceived>(OnDatagrams);
        Receive<Terminated>(OnTerminated);
        Receive<LinkDown>(OnLinkDown);
        Receive<GetStats>(_ => Sender.Tell(new MspStats
        {
            PacketsReceived = _packetsReceived,
            CorruptDropped = _corruptDropped,
            MalformedDropped = _malformedDropped,
            ResetsSent = _resetsSent,
            StreamsRefused = _streamsRefused,
            Streams = _streams.Count,
        }));
    }

    public static Props Props(IDatagramLink link, IActorRef acceptor, MspSettings settings) =>
        Akka.Actor.Props.Create(() => new MspEndpoint(link, acceptor, settings));

    private TimeProvider Clock { get; } = Context.Clock();

    /// <summary>A failed stream is stopped, never restarted: what it sent and received cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void OnConnect(Connect message)
    {
        uint id;
        do
        {
            id = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        }
        while (_streams.ContainsKey(new MspStreamKey(id, true)) || _recentlyClosed.ContainsKey(new MspStreamKey(id, true)));

        var stream = StartStream(new MspStreamKey(id, true), message.Owner);
        Sender.Tell(new Connected(id, stream));
    }

    /// <summary>A burst: packets for the same stream travel on together in one message, in arrival order.</summary>
    private void OnDatagrams(DatagramsReceived message)
    {
        var batch = new Dictionary<IActorRef, List<MspPacket>>(1);
        foreach (var datagram in message.Datagrams)
        {
            OnDatagram(datagram, batch);
        }

        foreach (var (stream, packets) in batch)
        {
            stream.Tell(packets.Count == 1 ? new PacketReceived(packets[0]) : new PacketsReceived(packets));
        }
    }

    private void OnDatagram(ReadOnlyMemory<byte> datagram, Dictionary<IActorRef, List<MspPacket>>? batch)
    {
        _packetsReceived++;
        var error = MspPacket.TryParse(datagram, _settings.MaxMessageSize, out var packet);
        if (packet is null)
        {
            if (error == MspParseError.BadChecksum)
            {
                _corruptDropped++;
            }
            else
            {
                _malformedDropped++;
            }

            return;
        }

        // A packet from the initiator is for the stream the peer opened, i.e. one we did not.
        var key = new MspStreamKey(packet.StreamId, Local: !packet.Has(MspFlags.FromInitiator));
        if (_streams.TryGetValue(key, out var stream))
        {
            if (batch is null)
            {
                stream.Tell(new PacketReceived(packet));
            }
            else if (batch.TryGetValue(stream, out var packets))
            {
                packets.Add(packet);
            }
            else
            {
                batch[stream] = [packet];
            }

            return;
        }

        if (packet.Has(MspFlags.Rst))
        {
            return;
        }

        if (packet.Has(MspFlags.Syn) && !key.Local && !IsRecentlyClosed(key))
        {
            if (_streams.Count >= _settings.MaxStreams)
            {
                _streamsRefused++;
                SendReset(packet, MspResetReason.TooManyStreams);
                return;
            }

            stream = StartStream(key, _acceptor);
            _acceptor.Tell(new Accepted(packet.StreamId, stream), Self);
            stream.Tell(new PacketReceived(packet));
            return;
        }

        SendReset(packet, MspResetReason.UnknownStream);
    }

    private IActorRef StartStream(MspStreamKey key, IActorRef owner)
    {
        var stream = Context.ActorOf(MspStream.Props(key.Id, isInitiator: key.Local, _link, owner, _settings), $"{(key.Local ? "out" : "in")}-{key.Id}");
        Context.Watch(stream);
        _streams[key] = stream;
        _keys[stream] = key;
        if (_linkDown is { } reason)
        {
            // A stream opened on a link that is already gone ends at once, with the reason, instead of idling out.
            stream.Tell(new LinkDown(reason));
        }

        return stream;
    }

    private void OnLinkDown(LinkDown message)
    {
        _linkDown ??= message.Reason;
        foreach (var stream in _streams.Values)
        {
            stream.Tell(message);
        }
    }

    private void OnTerminated(Terminated message)
    {
        if (!_keys.Remove(message.ActorRef, out var key))
        {
            return;
        }

        _streams.Remove(key);
        if (_recentlyClosed.Count >= RecentlyClosedLimit)
        {
            PruneRecentlyClosed();
        }

        _recentlyClosed[key] = Clock.GetTimestamp();
    }

    private bool IsRecentlyClosed(MspStreamKey key) =>
        _recentlyClosed.TryGetValue(key, out var at) && Clock.GetElapsedTime(at) < QuietTime;

    private TimeSpan QuietTime => _settings.Linger * 4;

    private void PruneRecentlyClosed()
    {
        var now = Clock.GetTimestamp();
        foreach (var (key, at) in _recentlyClosed)
        {
            if (Clock.GetElapsedTime(at, now) >= QuietTime)
            {
                _recentlyClosed.Remove(key);
            }
        }

        // Still full of fresh entries (a flood of short streams): forget the oldest half rather than grow.
        if (_recentlyClosed.Count >= RecentlyClosedLimit)
        {
            foreach (var (key, _) in _recentlyClosed.OrderBy(e => e.Value).Take(RecentlyClosedLimit / 2).ToList())
            {
                _recentlyClosed.Remove(key);
            }
        }
    }

    private void SendReset(MspPacket offending, MspResetReason reason)
    {
        _resetsSent++;
        var reset = new MspPacket
        {
            Flags = MspFlags.Rst | (offending.Has(MspFlags.FromInitiator) ? MspFlags.None : MspFlags.FromInitiator),
            ResetReason = reason,
            StreamId = offending.StreamId,
            Sequence = offending.CumulativeAck,
        };
        var length = reset.Write(_scratch);
        _link.Send(_scratch.AsMemory(0, length));
    }
}
