namespace Striper.Actors.Configuration;

/// <summary>A string built from literal text and substitutions on one line, e.g. <c>"http://"${host}":80"</c>.</summary>
internal sealed class HoconConcatenation : HoconValue
{
    public HoconConcatenation(IReadOnlyList<HoconValue> parts, HoconOrigin origin)
        : base(origin)
    {
        Parts = parts;
    }

    /// <summary>Literal <see cref="HoconScalar"/> pieces and <see cref="HoconSubstitution"/> pieces, in order.</summary>
    public IReadOnlyList<HoconValue> Parts { get; }
}
