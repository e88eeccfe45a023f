namespace Striper.Actors.Msp;

/// <summary>
/// Tunables of an MSP stream. Windows and buffers count messages (one message = one packet = one sequence number),
/// so memory per stream is bounded by about (send buffer + receive window) x <see cref="MaxMessageSize"/>. Both start
/// small and grow with the path (docs/MSP.md, "Windows sized from the path"), so that bound is reached only by a
/// stream whose path needs it.
/// </summary>
internal sealed record MspSettings
{
    /// <summary>Bound on <see cref="StreamMemory"/>: a configuration whose streams could each hold more is refused.</summary>
    public const long MaxStreamMemory = 256L << 20;

    /// <summary>Largest message (packet payload). 1200 keeps header, SACKs and CRC under a 1280-byte IPv6 MTU.</summary>
    public int MaxMessageSize { get; init; } = 1200;

    /// <summary>The most one stream holds: its send buffer and receive window full of the largest messages.</summary>
    public long StreamMemory => ((long)SendBufferMessages + ReceiveWindowMessages) * MaxMessageSize;

    /// <summary>
    /// The most messages accepted from the owner and not yet acknowledged by the peer (a power of two is used). The send
    /// ring starts at <see cref="InitialSendBufferMessages"/> and grows to twice the measured bandwidth-delay product:
    /// 16384 lets one stream fill 150 ms x 500 Mbit/s (7800 packets of 1200 bytes per RTT) with the model's 2 BDP.
    /// </summary>
    public int SendBufferMessages { get; init; } = 16384;

    /// <summary>
    /// The most messages the receiver holds: delivered but not consumed by the owner plus out of order. The window
    /// starts at <see cref="InitialReceiveWindowMessages"/> and doubles whenever the sender fills it within about an RTT.
    /// </summary>
    public int ReceiveWindowMessages { get; init; } = 16384;

    /// <summary>Send ring slots a stream starts with (at most <see cref="SendBufferMessages"/>): what an idle stream costs.</summary>
    public int InitialSendBufferMessages { get; init; } = 256;

    /// <summary>
    /// Receive window a stream starts with (at most <see cref="ReceiveWindowMessages"/>). Larger than the send ring's
    /// start: a slot costs 17 bytes, and a window that must first block a lossy sender before it grows costs rate.
    /// </summary>
    public int InitialReceiveWindowMessages { get; init; } = 4096;

    /// <summary>What the sender assumes the peer accepts before it has heard from it (first data before the handshake).</summary>
    public int InitialPeerWindow { get; init; } = 16;

    /// <summary>Which congestion control streams use (striper.msp.congestion-control); see <see cref="IMspCongestionControl"/>.</summary>
    public MspCongestionAlgorithm CongestionControl { get; init; } = MspCongestionAlgorithm.Bbr;

    /// <summary>Congestion window at start and after an idle period, in packets (RFC 6928).</summary>
    public int InitialCongestionWindow { get; init; } = 10;

    /// <summary>The congestion window never falls below this after a loss (after an RTO it restarts from 1).</summary>
    public int MinCongestionWindow { get; init; } = 2;

    /// <summary>RTO before the first RTT sample (RFC 6298 says 1 s).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Floor of the RTO. RFC 6298 asks for 1 s; like Linux we use less, since we retransmit on SACK first.</summary>
    public TimeSpan MinRto { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRto { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Added to two smoothed RTTs for the tail loss probe timeout: covers the peer's ack coalescing and timer slack.</summary>
    public TimeSpan MinProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Later-sent packets that must arrive before an earlier one is declared lost (the duplicate-ack threshold).</summary>
    public int DuplicateThreshold { get; init; } = 3;

    /// <summary>Most packets sent back to back when the pacer has saved up tokens.</summary>
    public int PacingBurst { get; init; } = 16;

    /// <summary>Pacing is on unless this is false (tests compare both).</summary>
    public bool Pacing { get; init; } = true;

    /// <summary>A stream that hears nothing from its peer for this long is reset.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A stream that has sent nothing for this long sends a keepalive, which the peer acknowledges.</summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a closed stream stays to acknowledge the peer's retransmitted FIN before it stops.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Streams one endpoint keeps at once (opened by either end). Each costs its rings (about 88 KiB as they start, up to
    /// 1.4 MiB grown to the default maximum, plus the messages they hold) until it ends or idles out, so without a cap a SYN flood from a neighbour would exhaust memory; a SYN
    /// beyond it is answered with RST (reason "too many streams") and counted.
    /// </summary>
    public int MaxStreams { get; init; } = 256;

    public static MspSettings Default { get; } = new();
}
