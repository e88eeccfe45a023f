using Akka.Configuration;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;

namespace Striper.Actors.Settings;

/// <summary>
/// Reads <c>striper.mdp</c> and <c>striper.msp</c> into <see cref="MdpSettings"/> and <see cref="MspSettings"/>, once,
/// checking ranges and that an MSP packet fits an MDP datagram; errors name the settings involved.
/// </summary>
internal static class MdpSettingsReader
{
    /// <summary>MSP header, four SACK blocks and CRC around the largest message.</summary>
    public const int MspOverhead = MspPacket.HeaderSize + (MspPacket.MaxSackBlocks * MspPacket.SackBlockSize) + MspPacket.TrailerSize;

    public static MdpSettings ReadMdp(Config config)
    {
        var settings = new MdpSettings
        {
            Mtu = Int(config, "striper.mdp.mtu", MdpPacket.Overhead + 64, MdpSettings.MaxMtu),
            HopRetries = Int(config, "striper.mdp.hop-retries", 0, 16),
            HopWindow = Int(config, "striper.mdp.hop-window", 4, MdpReceiveWindow.Span),
            MinHopRto = Positive(config, "striper.mdp.min-hop-rto"),
            MaxHopRto = Positive(config, "striper.mdp.max-hop-rto"),
            AckDelay = Positive(config, "striper.mdp.ack-delay"),
            HelloInterval = Positive(config, "striper.mdp.hello-interval"),
            HelloKeepalive = Positive(config, "striper.mdp.hello-keepalive"),
            ConnectTimeout = Positive(config, "striper.mdp.connect-timeout"),
            SocketBufferSize = (int)Size(config, "striper.mdp.socket-buffer", 64 * 1024, 256L << 20),
            SegmentationOffload = ConfigValues.GetBoolean(config, "striper.mdp.segmentation-offload"),
            MaxLinks = Int(config, "striper.mdp.max-links", 1, 1 << 16),
            LinkTimeout = Positive(config, "striper.mdp.link-timeout"),
            MaxHellosPerSecond = Int(config, "striper.mdp.max-hellos-per-second", 1, 1_000_000),
            Routing = ConfigValues.GetBoolean(config, "striper.mdp.routing"),
            AnnounceInterval = Positive(config, "striper.mdp.announce-interval"),
            RouteTimeout = Positive(config, "striper.mdp.route-timeout"),
        };

        if (settings.RouteTimeout <= 2 * settings.AnnounceInterval)
        {
            throw Error(
                "striper.mdp.route-timeout",
                $"striper.mdp.route-timeout ({settings.RouteTimeout.TotalSeconds:0.###}s) must be longer than twice striper.mdp.announce-interval ({settings.AnnounceInterval.TotalSeconds:0.###}s), or a living node's routes would lapse between its announcements",
                "striper.mdp.announce-interval");
        }

        if (settings.LinkTimeout <= settings.HelloKeepalive)
        {
            throw Error(
                "striper.mdp.link-timeout",
                $"striper.mdp.link-timeout ({settings.LinkTimeout.TotalSeconds:0.###}s) must be longer than striper.mdp.hello-keepalive ({settings.HelloKeepalive.TotalSeconds:0.###}s), or idle neighbours that are alive would lose their links between keepalives",
                "striper.mdp.hello-keepalive");
        }

        if (settings.LinkMemory > MdpSettings.MaxLinkMemory)
        {
            throw Error(
                "striper.mdp.mtu",
                $"striper.mdp.hop-window ({settings.HopWindow}, rounded up to a power of two) times striper.mdp.mtu ({settings.Mtu}) is {settings.LinkMemory >> 20} MiB per neighbour link; at most {MdpSettings.MaxLinkMemory >> 20} MiB: lower one of them",
                "striper.mdp.hop-window");
        }

        return settings;
    }

    public static MspSettings ReadMsp(Config config, MdpSettings mdp)
    {
        var settings = new MspSettings
        {
            MaxMessageSize = Int(config, "striper.msp.max-message-size", 16, MspPacket.MaxPayloadLimit),
            SendBufferMessages = Int(config, "striper.msp.send-buffer", 4, 1 << 20),
            ReceiveWindowMessages = Int(config, "striper.msp.receive-window", 4, 1 << 20),
            InitialSendBufferMessages = Int(config, "striper.msp.initial-send-buffer", 4, 1 << 20),
            InitialReceiveWindowMessages = Int(config, "striper.msp.initial-receive-window", 4, 1 << 20),
            InitialPeerWindow = Int(config, "striper.msp.initial-peer-window", 1, 1 << 20),
            InitialCongestionWindow = Int(config, "striper.msp.initial-congestion-window", 1, 1 << 20),
            MinCongestionWindow = Int(config, "striper.msp.min-congestion-window", 1, 1 << 20),
            InitialRto = Positive(config, "striper.msp.initial-rto"),
            MinRto = Positive(config, "striper.msp.min-rto"),
            MaxRto = Positive(config, "striper.msp.max-rto"),
            MinProbeTimeout = Positive(config, "striper.msp.min-probe-timeout"),
            DuplicateThreshold = Int(config, "striper.msp.duplicate-threshold", 1, 1000),
            Pacing = ConfigValues.GetBoolean(config, "striper.msp.pacing"),
            PacingBurst = Int(config, "striper.msp.pacing-burst", 1, 1 << 16),
            KeepaliveInterval = Positive(config, "striper.msp.keepalive-interval"),
            IdleTimeout = Positive(config, "striper.msp.idle-timeout"),
            Linger = Positive(config, "striper.msp.linger"),
            MaxStreams = Int(config, "striper.msp.max-streams", 1, 1 << 20),
            CongestionControl = CongestionControl(config, "striper.msp.congestion-control"),
        };

        // A stream may be routed over several hops, and a routed datagram carries the two ends' SIDs and ports too.
        if (settings.MaxMessageSize + MspOverhead + Mdp.Routing.MdpEnvelope.RoutedHeaderSize > mdp.MaxPayload)
        {
            throw Error(
                "striper.msp.max-message-size",
                $"striper.msp.max-message-size ({settings.MaxMessageSize}) plus {MspOverhead} bytes of MSP header and {Mdp.Routing.MdpEnvelope.RoutedHeaderSize} of routing must fit the {mdp.MaxPayload} bytes an MDP datagram carries under striper.mdp.mtu ({mdp.Mtu})",
                "striper.mdp.mtu");
        }

        if (settings.StreamMemory > MspSettings.MaxStreamMemory)
        {
            throw Error(
                "striper.msp.max-message-size",
                $"striper.msp.send-buffer plus striper.msp.receive-window ({settings.SendBufferMessages} + {settings.ReceiveWindowMessages} messages) of striper.msp.max-message-size ({settings.MaxMessageSize}) is {settings.StreamMemory >> 20} MiB per stream; at most {MspSettings.MaxStreamMemory >> 20} MiB: count fewer messages when they are larger",
                "striper.msp.send-buffer",
                "striper.msp.receive-window");
        }

        return settings;
    }

    private static MspCongestionAlgorithm CongestionControl(Config config, string path)
    {
        var text = ConfigValues.GetString(config, path);
        return MspCongestionAlgorithms.TryParse(text, out var algorithm)
            ? algorithm
            : throw Error(path, $"{path} must be {MspCongestionAlgorithms.Choices}, got '{text}'");
    }

    private static int Int(Config config, string path, int min, int max)
    {
        var value = ConfigValues.GetInt(config, path);
        return value >= min && value <= max ? value : throw Error(path, $"{path} must be between {min} and {max}, got {value}");
    }

    private static long Size(Config config, string path, long min, long max)
    {
        var value = ConfigValues.GetSize(config, path);
        return value >= min && value <= max ? value : throw Error(path, $"{path} must be between {min} and {max} bytes, got {value}");
    }

    private static TimeSpan Positive(Config config, string path)
    {
        var value = ConfigValues.GetDuration(config, path);
        return value > TimeSpan.Zero ? value : throw Error(path, $"{path} must be a positive duration, got {value}");
    }

    /// <summary>The other keys of a pair go with the error, so the caller can name the file that set any of them.</summary>
    private static ConfigException Error(string path, string message, params string[] others)
        => new(message, [path, .. others]);
}
