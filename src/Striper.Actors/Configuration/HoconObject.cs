namespace Striper.Actors.Configuration;

/// <summary>
/// An object value with fields in the order they were first written. Raw objects are filled in by the
/// parser; resolved objects (<see cref="IsResolved"/>) are never changed once built and may be shared.
/// </summary>
internal sealed class HoconObject : HoconValue
{
    private readonly OrderedDictionary<string, HoconValue> _fields = new(StringComparer.Ordinal);

    public HoconObject(HoconOrigin? origin, bool isResolved = false)
        : base(origin)
    {
        IsResolved = isResolved;
    }

    public bool IsResolved { get; }

    public int Count => _fields.Count;

    public IEnumerable<KeyValuePair<string, HoconValue>> Fields => _fields;

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HoconValue value) =>
        _fields.TryGetValue(key, out value);

    /// <summary>Sets a field; a key that already exists keeps its position (later value wins, order is stable).</summary>
    public void Set(string key, HoconValue value) => _fields[key] = value;
}
