using Akka.Configuration;

namespace Striper.Actors.Settings;

/// <summary>
/// Reads <see cref="StriperSettings"/> from a merged configuration, once, and checks every value's range;
/// errors name the setting (and, through <see cref="ConfigException.Paths"/>, let the caller name the file).
/// </summary>
public static class StriperSettingsReader
{
    public const string Root = "striper";

    public static StriperSettings Read(Config config)
    {
        var settings = new StriperSettings
        {
            Stripes = ReadStripes(config, out var maxStripes),
            MaxStripes = maxStripes,
            ChunkSize = (int)Checked("chunk-size", ConfigValues.GetSize(config, Path("chunk-size")), 1024, Wire.ProtocolConstants.AbsoluteMaxPayload),
            MaxFramePayload = (int)Checked("max-frame-payload", ConfigValues.GetSize(config, Path("max-frame-payload")), 1024, Wire.ProtocolConstants.AbsoluteMaxPayload),
            CreditWindow = ReadCreditWindow(config),
            SubstreamInFlightLimit = Checked("substream-in-flight-limit", ConfigValues.GetSize(config, Path("substream-in-flight-limit")), 16 * 1024, 1L << 32),
            ReceiveBufferSize = (int)Checked("receive-buffer-size", ConfigValues.GetSize(config, Path("receive-buffer-size")), 1024, 16L << 20),
            TargetDelay = Positive(config, "target-delay"),
            StallTimeout = Positive(config, "stall-timeout"),
            SubstreamTimeout = Checked("substream-timeout", Positive(config, "substream-timeout"), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            ResumeWindow = Positive(config, "session.resume-window"),
            RedialBackoff = Positive(config, "redial-backoff"),
            RedialBackoffMax = Positive(config, "redial-backoff-max"),
            ConnectTimeout = Positive(config, "connect-timeout"),
            HandshakeTimeout = Positive(config, "handshake-timeout"),
            CloseTimeout = Positive(config, "close-timeout"),
            MaxSessions = Checked("max-sessions", ConfigValues.GetInt(config, Path("max-sessions")), 1, 1_000_000),
            MaxSubstreamsPerSession = Checked("max-substreams-per-session", ConfigValues.GetInt(config, Path("max-substreams-per-session")), 1, Wire.Handshake.MaxSubstreams),
            MaxPendingHandshakes = Checked("max-pending-handshakes", ConfigValues.GetInt(config, Path("max-pending-handshakes")), 1, 1_000_000),
            MemoryLimit = ReadMemoryLimit(config),
            SecretFile = ConfigValues.GetString(config, Path("secret-file")) is { Length: > 0 } secretFile ? secretFile : null,
            Encryption = ReadEncryption(config),
            Transport = ReadTransport(config),
            TcpCongestionControl = ReadCongestionControl(config),
            Allow = ReadAllow(config),
            SocksUsersFile = ConfigValues.GetString(config, Path("socks.users-file")) is { Length: > 0 } usersFile ? usersFile : null,
        };

        var mdp = MdpSettingsReader.ReadMdp(config);
        settings = settings with { Mdp = mdp, Msp = MdpSettingsReader.ReadMsp(config, mdp) };

        if (settings.ChunkSize > settings.MaxFramePayload)
        {
            throw Error("chunk-size", $"chunk-size ({settings.ChunkSize} bytes) must not exceed max-frame-payload ({settings.MaxFramePayload} bytes)", "max-frame-payload");
        }

        if (settings.CreditWindow is { } creditWindow && creditWindow < 2L * settings.ChunkSize)
        {
            throw Error("credit-window", $"credit-window ({settings.CreditWindow} bytes) must hold at least two chunks ({2 * settings.ChunkSize} bytes of chunk-size)", "chunk-size");
        }

        return settings;
    }

    private static string Path(string key) => Root + "." + key;

    /// <summary>
    /// <c>stripes { count = auto | N, max = M }</c>; a file from before auto-sizing says <c>stripes = N</c>, which
    /// still means a fixed count (and the built-in max).
    /// </summary>
    private static int? ReadStripes(Config config, out int max)
    {
        var value = config.GetValue(Path("stripes"));
        if (value is null || !value.IsObject())
        {
            max = new StriperSettings().MaxStripes;
            return Checked("stripes", ConfigValues.GetInt(config, Path("stripes")), 1, Wire.Handshake.MaxSubstreams);
        }

        max = Checked("stripes.max", ConfigValues.GetInt(config, Path("stripes.max")), 1, Wire.Handshake.MaxSubstreams);
        var count = ConfigValues.GetString(config, Path("stripes.count"));
        if (string.Equals(count, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var fixedCount)
            ? Checked("stripes.count", fixedCount, 1, Wire.Handshake.MaxSubstreams)
            : throw Error("stripes.count", $"{Path("stripes.count")} must be auto or a whole number from 1 to {Wire.Handshake.MaxSubstreams}, got '{count}'");
    }

    private static List<Proxy.TargetPattern> ReadAllow(Config config)
    {
        var patterns = new List<Proxy.TargetPattern>();
        foreach (var text in ConfigValues.GetStringList(config, Path("server.allow")))
        {
            if (!Proxy.TargetPattern.TryParse(text, out var pattern, out var error))
            {
                throw Error("server.allow", "striper.server.allow: " + error);
            }

            patterns.Add(pattern!);
        }

        return patterns;
    }

    private static EncryptionMode ReadEncryption(Config config)
    {
        var text = ConfigValues.GetString(config, Path("encrypt"));
        return text.ToUpperInvariant() switch
        {
            "AUTO" => EncryptionMode.Auto,
            "ON" or "TRUE" or "YES" => EncryptionMode.On,
            "OFF" or "FALSE" or "NO" => EncryptionMode.Off,
            _ => throw Error("encrypt", $"{Path("encrypt")} must be auto, on or off, got '{text}'"),
        };
    }

    private static SubstreamTransports ReadTransport(Config config)
    {
        var text = ConfigValues.GetString(config, Path("transport"));
        return SubstreamTransportsParser.TryParse(text, out var transports)
            ? transports
            : throw Error("transport", $"{Path("transport")} must be {SubstreamTransportsParser.Choices}, got '{text}'");
    }

    private static string ReadCongestionControl(Config config)
    {
        var text = ConfigValues.GetString(config, Path("tcp.congestion-control"));
        return CongestionControlNames.TryParse(text, out var name)
            ? name
            : throw Error("tcp.congestion-control", $"{Path("tcp.congestion-control")} must be {CongestionControlNames.Choices}, got '{text}'");
    }

    private static int Checked(string key, int value, int min, int max) =>
        value >= min && value <= max ? value : throw Error(key, $"{Path(key)} must be between {min} and {max}, got {value}");

    private static long Checked(string key, long value, long min, long max) =>
        value >= min && value <= max ? value : throw Error(key, $"{Path(key)} must be between {min} and {max} bytes, got {value}");

    private static TimeSpan Checked(string key, TimeSpan value, TimeSpan min, TimeSpan max) =>
        value >= min && value <= max ? value : throw Error(key, $"{Path(key)} must be between {min.TotalSeconds:0.###}s and {max.TotalSeconds:0.###}s, got {value.TotalSeconds:0.###}s");

    /// <summary><c>credit-window = auto</c> (grow as far as the buffer budget holds) or a size, the most one direction may grow to.</summary>
    private static long? ReadCreditWindow(Config config)
    {
        if (string.Equals(ConfigValues.GetString(config, Path("credit-window")), "auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Checked("credit-window", ConfigValues.GetSize(config, Path("credit-window")), 64 * 1024, 1L << 40);
    }

    /// <summary>The runtime's reserve comes off the limit first, so a limit that leaves no buffers is refused by name.</summary>
    private static long ReadMemoryLimit(Config config)
    {
        const long minimum = StriperSettings.RuntimeReserve + (32L << 20);
        var value = ConfigValues.GetSize(config, Path("memory-limit"));
        return value >= minimum
            ? value
            : throw Error("memory-limit", $"{Path("memory-limit")} must be at least {minimum >> 20}MiB ({StriperSettings.RuntimeReserve >> 20}MiB of it is left to the runtime, the rest holds data), got {value} bytes");
    }

    private static TimeSpan Positive(Config config, string key)
    {
        var value = ConfigValues.GetDuration(config, Path(key));
        return value > TimeSpan.Zero ? value : throw Error(key, $"{Path(key)} must be a positive duration, got {value}");
    }

    /// <summary>
    /// The pair's other setting goes with the error too: the two may come from different files (one from the
    /// built-in defaults), and the user needs to hear about the file they wrote whichever of the two it names first.
    /// </summary>
    private static ConfigException Error(string key, string message, params string[] others)
        => new(message, [Path(key), .. others.Select(Path)]);
}
