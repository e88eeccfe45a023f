namespace Striper.Actors.Configuration;

/// <summary>Where a configuration value was written: a file (or other source name) and a 1-based line.</summary>
public sealed record HoconOrigin(string Source, int Line)
{
    public override string ToString() => $"{Source}:{Line}";
}
