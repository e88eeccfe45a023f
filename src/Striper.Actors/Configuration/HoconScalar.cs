namespace Striper.Actors.Configuration;

/// <summary>
/// A string, number, boolean or null, kept as the text that was written. Typed getters interpret the text
/// when asked, so "8", 8 and an environment variable holding 8 all read the same way.
/// </summary>
internal sealed class HoconScalar : HoconValue
{
    public HoconScalar(string text, HoconOrigin? origin, bool isNull = false, string? environmentVariable = null)
        : base(origin)
    {
        Text = text;
        IsNull = isNull;
        EnvironmentVariable = environmentVariable;
    }

    public string Text { get; }

    /// <summary>True for the unquoted literal <c>null</c>.</summary>
    public bool IsNull { get; }

    /// <summary>The environment variable the text came from, so errors can say so.</summary>
    public string? EnvironmentVariable { get; }
}
