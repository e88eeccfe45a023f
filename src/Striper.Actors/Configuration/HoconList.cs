namespace Striper.Actors.Configuration;

/// <summary>A list value. Raw lists may hold substitutions; resolved lists never do.</summary>
internal sealed class HoconList : HoconValue
{
    public HoconList(IReadOnlyList<HoconValue> items, HoconOrigin? origin, bool isResolved = false)
        : base(origin)
    {
        Items = items;
        IsResolved = isResolved;
    }

    public IReadOnlyList<HoconValue> Items { get; }

    public bool IsResolved { get; }
}
