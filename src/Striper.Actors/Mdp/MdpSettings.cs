namespace Striper.Actors.Mdp;

/// <summary>
/// Tunables of an MDP node, read once from <c>striper.mdp</c>. The hop retransmits a bounded number of times and
/// then gives up: MDP stays a datagram service, end-to-end reliability is MSP's.
/// </summary>
internal sealed record MdpSettings
{
    /// <summary>The largest UDP payload IPv4 can carry (65535 less 20 bytes of IP and 8 of UDP header).</summary>
    public const int MaxMtu = 65507;

    /// <summary>
    /// Bound on <see cref="LinkMemory"/>: a configuration that would preallocate more per neighbour is refused, so a
    /// large MTU cannot quietly multiply into gigabytes across <see cref="MaxLinks"/> links.
    /// </summary>
    public const long MaxLinkMemory = 32L << 20;

    /// <summary>
    /// Largest UDP payload sent, MDP header and MAC included (1400 leaves room for IP/UDP headers and tunnels on a
    /// 1500-byte path). It is also the largest datagram this node accepts, so both ends of a link must agree.
    /// </summary>
    public int Mtu { get; init; } = 1400;

    /// <summary>Retransmissions of one datagram by a hop before it is given up.</summary>
    public int HopRetries { get; init; } = 2;

    /// <summary>Datagrams a hop keeps unacknowledged; past this the oldest is given up rather than blocking the sender.</summary>
    public int HopWindow { get; init; } = 1024;

    /// <summary>Bounds of the hop retransmission timeout (which follows the hop RTT: SRTT + 4·RTTVAR).</summary>
    public TimeSpan MinHopRto { get; init; } = TimeSpan.FromMilliseconds(30);

    public TimeSpan MaxHopRto { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a receiver may hold a hop acknowledgement hoping to piggyback it on a reply.</summary>
    public TimeSpan AckDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Hellos to a configured peer that has not answered go out this often.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Hellos to neighbours that are up go out this often (liveness; lets a restarted neighbour learn our key again).</summary>
    public TimeSpan HelloKeepalive { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A link from which nothing valid (no verified datagram, no verified hello) has been heard for this long is removed:
    /// its flows are told the neighbour is gone, its window is freed and it no longer counts against
    /// <see cref="MaxLinks"/>. Longer than <see cref="HelloKeepalive"/>, so an idle but living neighbour's keepalive
    /// replies keep it; checked every <see cref="HelloInterval"/>, so it fires up to one interval late.
    /// </summary>
    public TimeSpan LinkTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Whether the node takes part in the mesh (announces, floods, forwards). A proxy's node (MSP substreams) does not:
    /// its substreams always go to the one neighbour, and a server would otherwise introduce its clients to each other
    /// and pass each one's announcements to all the others.
    /// </summary>
    public bool Routing { get; init; } = true;

    /// <summary>A node announces its links and services to the mesh this often, and at once when its links change.</summary>
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An announcement not renewed for this long is dropped: its node has left, and routes through it go.</summary>
    public TimeSpan RouteTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Hellos with a key the node does not know yet that it checks per second (a token bucket holding one second's
    /// worth). Each takes an ECDH, so without a bound anyone could make the node burn CPU by spraying hellos with fresh
    /// (or merely well-formed) keys; those beyond it are dropped before any key work and counted. A hello with a known
    /// key costs one HMAC and is exempt; neighbours with links keep their keys known, so their keepalives never starve.
    /// </summary>
    public int MaxHellosPerSecond { get; init; } = 200;

    /// <summary>How long opening a flow waits for the neighbour with the wanted SID to answer a hello.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Use UDP segmentation offload where the kernel has it (Linux 4.18+): a burst of datagrams to one neighbour leaves
    /// in one system call. The datagrams on the wire are the same.
    /// </summary>
    public bool SegmentationOffload { get; init; } = true;

    /// <summary>Kernel send and receive buffer of each UDP socket (Linux caps it at net.core.rmem_max / wmem_max).</summary>
    public int SocketBufferSize { get; init; } = 4 << 20;

    /// <summary>
    /// Neighbour links a node keeps at once. Anyone can make a key pair and sign a hello, and each link holds an actor,
    /// its keys and its send window, which grows a 45 KB page at a time as the link sends (up to <see cref="LinkMemory"/>),
    /// so without a cap hellos from many source addresses would exhaust memory; a verified hello from a new address
    /// beyond it is dropped and counted. Every MSP substream of a proxy is a link of its own on the server (its own
    /// UDP flow), so this also bounds a server's MSP substreams at once: 1024 is 128 connections of 8 substreams.
    /// </summary>
    public int MaxLinks { get; init; } = 1024;

    /// <summary>The most a neighbour link's send window grows to: the window (as it is rounded) times the MTU.</summary>
    public long LinkMemory => (long)MdpSendWindow.CapacityFor(HopWindow) * Mtu;

    /// <summary>Largest payload one MDP datagram carries under <see cref="Mtu"/>.</summary>
    public int MaxPayload => Mtu - MdpPacket.Overhead;

    public static MdpSettings Default { get; } = new();
}
