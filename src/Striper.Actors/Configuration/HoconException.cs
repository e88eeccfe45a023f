namespace Striper.Actors.Configuration;

/// <summary>
/// Any problem with configuration text or with reading a setting. The message is meant for the person who
/// wrote the file: it starts with "file:line: " whenever the origin is known.
/// </summary>
public sealed class HoconException : Exception
{
    public HoconException()
        : base("invalid configuration")
    {
    }

    public HoconException(string message)
        : base(message)
    {
    }

    public HoconException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal HoconException(string message, HoconOrigin? origin, string? path = null, Exception? innerException = null)
        : base(origin is null ? message : $"{origin}: {message}", innerException)
    {
        Origin = origin;
        Path = path;
    }

    /// <summary>Where the offending text was written, when known.</summary>
    public HoconOrigin? Origin { get; }

    /// <summary>The setting involved, when the error concerns one.</summary>
    public string? Path { get; }
}
