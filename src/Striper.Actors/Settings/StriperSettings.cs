using Striper.Actors.Security;
using Striper.Actors.Striping;

namespace Striper.Actors.Settings;

/// <summary>
/// Every tunable of the proxy pair, read once from config.hocon (see <see cref="StriperSettingsReader"/>).
/// The defaults here mirror the shipped config.hocon so code and tests can build settings without a file.
/// </summary>
public sealed record StriperSettings
{
    /// <summary>Substreams per tunnelled connection, or null to size each connection by what it measures (auto).</summary>
    public int? Stripes { get; init; }

    /// <summary>The most substreams an auto-sized connection opens (its handshakes announce this many).</summary>
    public int MaxStripes { get; init; } = 64;

    /// <summary>What a connection's handshakes announce: its fixed count, or the most it may grow to.</summary>
    public int SessionSubstreams => Stripes ?? MaxStripes;

    /// <summary>For logs: "8", or "auto (4 to 32)".</summary>
    public string DescribeStripes() => Stripes is { } count
        ? count.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : $"auto ({InitialStripes} to {MaxStripes})";

    /// <summary>Substreams a connection dials first: its fixed count, or where auto-sizing starts.</summary>
    public int InitialStripes => Stripes ?? Math.Min(StripeController.InitialCount, MaxStripes);

    /// <summary>Largest payload the sender puts in one DATA frame (and the edge read size).</summary>
    public int ChunkSize { get; init; } = 256 * 1024;

    /// <summary>Largest DATA payload accepted from a peer; larger frames close the substream.</summary>
    public int MaxFramePayload { get; init; } = 1024 * 1024;

    /// <summary>
    /// The most a receiver lets the sender run ahead of what it has written to its edge, or null (auto) for as much
    /// as the buffer budget holds. Each connection's credit sizes itself below this (<see cref="CreditReach"/>).
    /// </summary>
    public long? CreditWindow { get; init; }

    /// <summary>What one direction's credit may grow to: <see cref="CreditWindow"/>, or the whole buffer budget.</summary>
    public long CreditCeiling => CreditWindow ?? BufferBudget;

    /// <summary>
    /// The resident memory a proxy aims to stay under. <see cref="RuntimeReserve"/> of it is left to the runtime;
    /// the rest is the <see cref="BufferBudget"/> that all connections' credit windows share.
    /// </summary>
    public long MemoryLimit { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// What a proxy holds apart from its data buffers: runtime code and data, the garbage collector's allocation
    /// budget and bookkeeping, thread stacks. Measured on x64 Linux (docs/ARCHITECTURE.md): 60-70 MiB during one
    /// transfer, and about 85 MiB in a proxy that has carried dozens of connections one after another.
    /// </summary>
    public const long RuntimeReserve = 96L * 1024 * 1024;

    /// <summary>Bytes all of a proxy's connections may hold in credit windows together.</summary>
    public long BufferBudget => MemoryLimit - RuntimeReserve;

    /// <summary>
    /// Limit on bytes queued on one substream that the far side has not yet acknowledged: a safety bound above the
    /// cap each substream's measured rate and RTT set (<see cref="SubstreamScheduler"/>).
    /// </summary>
    public long SubstreamInFlightLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>Queueing delay each substream's in-flight cap aims for: its rate times its minimum RTT plus this, plus two chunks.</summary>
    public TimeSpan TargetDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A substream with data in flight and no acknowledgement for this long (or 4 smoothed RTTs, if longer) is stalled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A TCP substream whose peer has acknowledged nothing sent, or answered no keepalive, for this long is given up
    /// by the kernel (TCP_USER_TIMEOUT and keepalives), so a path that died silently is noticed and re-dialled.
    /// </summary>
    public TimeSpan SubstreamTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a session is kept with no substream at all (its unacknowledged data, its reassembly state and both
    /// applications' connections) while the client re-dials: the network may come back, from another address.
    /// </summary>
    public TimeSpan ResumeWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First wait before re-dialling a lost substream; it doubles per failed attempt up to <see cref="RedialBackoffMax"/>.</summary>
    public TimeSpan RedialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RedialBackoffMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Edge socket receive size; also the granularity of read credit.</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a finished or aborted session waits for its sockets to close cleanly before resetting them.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Server side: sessions at once; further OPENs are refused with TooManySessions.</summary>
    public int MaxSessions { get; init; } = 1024;

    /// <summary>Server side: an OPEN asking for more substreams than this is refused with TooManySubstreams.</summary>
    public int MaxSubstreamsPerSession { get; init; } = 64;

    /// <summary>
    /// Server side: connections accepted but not yet through their handshake. Beyond it new connections are
    /// closed at once, so a flood of silent or slow peers costs a bounded number of sockets and buffers.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 256;

    /// <summary>The shared secret both proxies hold, or null to run unauthenticated (the host loads it from <see cref="SecretFile"/>).</summary>
    public SharedSecret? Secret { get; init; }

    /// <summary>Where the secret came from (config.hocon's secret-file); only for loading and messages.</summary>
    public string? SecretFile { get; init; }

    /// <summary>Seal substream frames with AES-GCM; needs <see cref="Secret"/>. Either side asking for it turns it on.</summary>
    public bool Encrypt { get; init; }

    /// <summary>What config.hocon says about encryption; the host turns it into <see cref="Encrypt"/> once the secret is known.</summary>
    public EncryptionMode Encryption { get; init; }

    /// <summary>What substreams travel on. The server accepts MSP substreams (on UDP at its listen address) only when this includes MSP.</summary>
    public SubstreamTransports Transport { get; init; } = SubstreamTransports.Tcp;

    /// <summary>
    /// The TCP congestion control of the substream sockets a proxy dials or accepts (striper.tcp.congestion-control):
    /// "system" (the kernel's default, nothing set), "cubic", "bbr" or "reno". Linux only; see <see cref="CongestionControlNames"/>.
    /// </summary>
    public string TcpCongestionControl { get; init; } = CongestionControlNames.System;

    /// <summary>Server: what a SOCKS client may ask for besides the server's own target (striper.server.allow).</summary>
    public IReadOnlyList<Proxy.TargetPattern> Allow { get; init; } = [];

    /// <summary>Client with --socks5: the RFC 1929 users file (striper.socks.users-file), or null for no authentication.</summary>
    public string? SocksUsersFile { get; init; }

    /// <summary>The MDP node under MSP substreams (config.hocon's <c>mdp</c>; its bind and peers are not used by the proxies).</summary>
    internal Mdp.MdpSettings Mdp { get; init; } = Striper.Actors.Mdp.MdpSettings.Default;

    /// <summary>MSP substreams' stream settings (config.hocon's <c>msp</c>).</summary>
    internal Msp.MspSettings Msp { get; init; } = Striper.Actors.Msp.MspSettings.Default;

    public static StriperSettings Default { get; } = new();
}
