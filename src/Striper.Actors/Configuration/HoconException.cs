namespace Striper.Actors.Configuration;

/// <summary>
/// Any problem with configuration text or with reading a setting. The message is meant for the person who
/// wrote the file: it starts with "file:line: " whenever the origin is known, and it is always one line (control
/// characters quoted from the file are shown as escapes), so a hostile file cannot forge lines in a log or on stderr.
/// </summary>
public sealed class HoconException : Exception
{
    public HoconException()
        : base("invalid configuration")
    {
    }

    public HoconException(string message)
        : base(HoconValue.EscapeControls(message))
    {
    }

    public HoconException(string message, Exception innerException)
        : base(HoconValue.EscapeControls(message), innerException)
    {
    }

    internal HoconException(string message, HoconOrigin? origin, string? path = null, Exception? innerException = null)
        : base(HoconValue.EscapeControls(origin is null ? message : $"{origin}: {message}"), innerException)
    {
        Origin = origin;
        Path = path;
    }

    /// <summary>Where the offending text was written, when known.</summary>
    public HoconOrigin? Origin { get; }

    /// <summary>The setting involved, when the error concerns one.</summary>
    public string? Path { get; }
}
