using Striper.Actors.Configuration;

namespace Striper.Actors.Settings;

/// <summary>
/// Reads <see cref="StriperSettings"/> from a merged configuration, once, and checks every value's range;
/// errors name the file and line where the bad value was written.
/// </summary>
public static class StriperSettingsReader
{
    public const string Root = "striper";

    public static StriperSettings Read(HoconConfig config)
    {
        var settings = new StriperSettings
        {
            Stripes = Checked(config, "stripes", config.GetInt(Path("stripes")), 1, Wire.Handshake.MaxSubstreams),
            ChunkSize = (int)Checked(config, "chunk-size", config.GetByteSize(Path("chunk-size")), 1024, Wire.ProtocolConstants.AbsoluteMaxPayload),
            MaxFramePayload = (int)Checked(config, "max-frame-payload", config.GetByteSize(Path("max-frame-payload")), 1024, Wire.ProtocolConstants.AbsoluteMaxPayload),
            CreditWindow = Checked(config, "credit-window", config.GetByteSize(Path("credit-window")), 64 * 1024, 1L << 32),
            SubstreamInFlightLimit = Checked(config, "substream-in-flight-limit", config.GetByteSize(Path("substream-in-flight-limit")), 16 * 1024, 1L << 32),
            ReceiveBufferSize = (int)Checked(config, "receive-buffer-size", config.GetByteSize(Path("receive-buffer-size")), 1024, 16L << 20),
            TargetDelay = Positive(config, "target-delay"),
            StallTimeout = Positive(config, "stall-timeout"),
            SubstreamGrace = Positive(config, "substream-grace"),
            RedialBackoff = Positive(config, "redial-backoff"),
            RedialBackoffMax = Positive(config, "redial-backoff-max"),
            ConnectTimeout = Positive(config, "connect-timeout"),
            HandshakeTimeout = Positive(config, "handshake-timeout"),
            CloseTimeout = Positive(config, "close-timeout"),
            MaxSessions = Checked(config, "max-sessions", config.GetInt(Path("max-sessions")), 1, 1_000_000),
            MaxSubstreamsPerSession = Checked(config, "max-substreams-per-session", config.GetInt(Path("max-substreams-per-session")), 1, Wire.Handshake.MaxSubstreams),
            MaxPendingHandshakes = Checked(config, "max-pending-handshakes", config.GetInt(Path("max-pending-handshakes")), 1, 1_000_000),
            MemoryLimit = ReadMemoryLimit(config),
            SecretFile = config.GetString(Path("secret-file"), string.Empty) is { Length: > 0 } secretFile ? secretFile : null,
            Encryption = ReadEncryption(config),
            Transport = ReadTransport(config),
        };

        var mdp = MdpSettingsReader.ReadMdp(config);
        settings = settings with { Mdp = mdp, Msp = MdpSettingsReader.ReadMsp(config, mdp) };

        if (settings.ChunkSize > settings.MaxFramePayload)
        {
            throw Error(config, "chunk-size", $"chunk-size ({settings.ChunkSize} bytes) must not exceed max-frame-payload ({settings.MaxFramePayload} bytes{At(config, "max-frame-payload")})");
        }

        if (settings.CreditWindow < 2L * settings.ChunkSize)
        {
            throw Error(config, "credit-window", $"credit-window ({settings.CreditWindow} bytes) must hold at least two chunks ({2 * settings.ChunkSize} bytes, chunk-size{At(config, "chunk-size")})");
        }

        return settings;
    }

    private static string Path(string key) => Root + "." + key;

    private static EncryptionMode ReadEncryption(HoconConfig config)
    {
        var text = config.GetString(Path("encrypt"));
        return text.ToUpperInvariant() switch
        {
            "AUTO" => EncryptionMode.Auto,
            "ON" or "TRUE" or "YES" => EncryptionMode.On,
            "OFF" or "FALSE" or "NO" => EncryptionMode.Off,
            _ => throw Error(config, "encrypt", $"{Path("encrypt")} must be auto, on or off, got '{text}'"),
        };
    }

    private static SubstreamTransports ReadTransport(HoconConfig config)
    {
        var text = config.GetString(Path("transport"));
        return SubstreamTransportsParser.TryParse(text, out var transports)
            ? transports
            : throw Error(config, "transport", $"{Path("transport")} must be {SubstreamTransportsParser.Choices}, got '{text}'");
    }

    private static int Checked(HoconConfig config, string key, int value, int min, int max) =>
        value >= min && value <= max ? value : throw Error(config, key, $"{Path(key)} must be between {min} and {max}, got {value}");

    private static long Checked(HoconConfig config, string key, long value, long min, long max) =>
        value >= min && value <= max ? value : throw Error(config, key, $"{Path(key)} must be between {min} and {max} bytes, got {value}");

    /// <summary>The runtime's reserve comes off the limit first, so a limit that leaves no buffers is refused by name.</summary>
    private static long ReadMemoryLimit(HoconConfig config)
    {
        const long minimum = StriperSettings.RuntimeReserve + (32L << 20);
        var value = config.GetByteSize(Path("memory-limit"));
        return value >= minimum
            ? value
            : throw Error(config, "memory-limit", $"{Path("memory-limit")} must be at least {minimum >> 20}MiB ({StriperSettings.RuntimeReserve >> 20}MiB of it is left to the runtime, the rest holds data), got {value} bytes");
    }

    private static TimeSpan Positive(HoconConfig config, string key)
    {
        var value = config.GetTimeSpan(Path(key));
        return value > TimeSpan.Zero ? value : throw Error(config, key, $"{Path(key)} must be a positive duration, got {value}");
    }

    /// <summary>
    /// Where the other setting of a pair was written: the two may come from different files (one from the built-in
    /// defaults), and the user needs to see the line they wrote whichever of the two the message starts with.
    /// </summary>
    private static string At(HoconConfig config, string key) => config.OriginOf(Path(key)) is { } origin ? $", set at {origin}" : string.Empty;

    private static HoconException Error(HoconConfig config, string key, string message)
    {
        var origin = config.OriginOf(Path(key));
        return new HoconException(origin is null ? message : $"{origin}: {message}");
    }
}
