using System.Globalization;
using System.Text;

namespace Striper.Actors.Configuration;

/// <summary>
/// An immutable, fully resolved configuration read from HOCON text. Values are interpreted when a typed getter
/// asks for them, so a type error names the setting, the file and the line it was written on.
/// </summary>
public sealed class HoconConfig
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HoconOrigin UnknownOrigin = new("<unknown>", 0);

    // What each getter expects, worded for the "expected ..., got ..." messages.
    private static readonly string BooleanExpectation = "a boolean (true/false, yes/no or on/off)";
    private static readonly string SizeExpectation = "a size like 64KiB";
    private static readonly string DurationExpectation = "a duration like 250ms or 5s";

    private readonly HoconObject _root;

    /// <summary>The path of this config inside the one it came from, so errors can name the full setting.</summary>
    private readonly string? _pathPrefix;

    private HoconConfig(HoconObject root, string? pathPrefix)
    {
        _root = root;
        _pathPrefix = pathPrefix;
    }

    public static HoconConfig Empty { get; } = new(new HoconObject(origin: null, isResolved: true), pathPrefix: null);

    /// <summary>Parses HOCON text and resolves its substitutions.</summary>
    /// <param name="sourceName">Names the text in error messages and origins, usually the file name.</param>
    /// <param name="environment">Looks up environment variables for substitutions; defaults to the process environment.</param>
    /// <exception cref="HoconException">The text is not valid, or a substitution can't be resolved.</exception>
    public static HoconConfig Parse(string text, string sourceName = "<string>", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var raw = HoconParser.Parse(text, sourceName);

        // Substitutions may share subtrees; this bounds how large sharing can make the tree look to a walk over it.
        var maxSize = 1_000_000L + (4L * text.Length);
        var resolved = HoconResolver.Resolve(raw, environment ?? Environment.GetEnvironmentVariable, maxSize);
        return new HoconConfig(resolved, pathPrefix: null);
    }

    /// <exception cref="HoconException">The file is missing, unreadable or not valid HOCON.</exception>
    public static HoconConfig ParseFile(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new HoconException($"config file {path} is a directory, not a file");
        }

        if (!File.Exists(path))
        {
            throw new HoconException($"config file not found: {path}");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, StrictUtf8);
        }
        catch (DecoderFallbackException ex)
        {
            throw new HoconException($"{path}: not a text file (it is not valid UTF-8)", ex);
        }
        catch (IOException ex)
        {
            throw new HoconException($"could not read config file {path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new HoconException($"could not read config file {path}: {ex.Message}", ex);
        }

        return Parse(text, path, environment);
    }

    /// <summary>
    /// Settings in this config override those in <paramref name="fallback"/>; where both hold an object at the
    /// same path the objects are merged, recursively.
    /// </summary>
    public HoconConfig WithFallback(HoconConfig fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        return new HoconConfig(Merge(_root, fallback._root), _pathPrefix);
    }

    /// <summary>Whether the path holds a value other than null.</summary>
    public bool HasPath(string path) => Find(path, throwIfBlocked: false) is { } value && !IsNull(value);

    public string GetString(string path) => ToText(Require(path, "a string"), path);

    public string GetString(string path, string @default) => Optional(path) is { } value ? ToText(value, path) : @default;

    public int GetInt(string path) => (int)ToInteger(Require(path, "an integer"), path, int.MinValue, int.MaxValue);

    public int GetInt(string path, int @default) =>
        Optional(path) is { } value ? (int)ToInteger(value, path, int.MinValue, int.MaxValue) : @default;

    public long GetLong(string path) => ToInteger(Require(path, "an integer"), path, long.MinValue, long.MaxValue);

    public long GetLong(string path, long @default) =>
        Optional(path) is { } value ? ToInteger(value, path, long.MinValue, long.MaxValue) : @default;

    public double GetDouble(string path) => ToDouble(Require(path, "a number"), path);

    public double GetDouble(string path, double @default) => Optional(path) is { } value ? ToDouble(value, path) : @default;

    /// <summary>Reads true/false, yes/no or on/off (any letter case).</summary>
    public bool GetBoolean(string path) => ToBoolean(Require(path, BooleanExpectation), path);

    public bool GetBoolean(string path, bool @default) => Optional(path) is { } value ? ToBoolean(value, path) : @default;

    /// <summary>Reads a size in bytes such as <c>64KiB</c>, <c>1.5 MB</c> or <c>512</c> (bytes).</summary>
    public long GetByteSize(string path) => ToByteSize(Require(path, SizeExpectation), path);

    public long GetByteSize(string path, long @default) => Optional(path) is { } value ? ToByteSize(value, path) : @default;

    /// <summary>Reads a duration such as <c>250ms</c>, <c>1.5s</c> or <c>10 minutes</c>; a bare number is milliseconds.</summary>
    public TimeSpan GetTimeSpan(string path) => ToTimeSpan(Require(path, DurationExpectation), path);

    public TimeSpan GetTimeSpan(string path, TimeSpan @default) =>
        Optional(path) is { } value ? ToTimeSpan(value, path) : @default;

    public IReadOnlyList<string> GetStringList(string path) => ToStringList(Require(path, "a list"), path);

    public IReadOnlyList<string> GetStringList(string path, IReadOnlyList<string> @default) =>
        Optional(path) is { } value ? ToStringList(value, path) : @default;

    /// <summary>The object at the path as a config of its own; empty when the path is missing or null.</summary>
    public HoconConfig GetConfig(string path)
    {
        var fullPath = FullPath(path);
        return Optional(path) switch
        {
            null => new HoconConfig(new HoconObject(origin: null, isResolved: true), fullPath),
            HoconObject value => new HoconConfig(value, fullPath),
            var value => throw TypeError(value, path, "an object"),
        };
    }

    /// <summary>Every path that holds a value that is not an object (lists count as values), dotted.</summary>
    public IEnumerable<string> LeafPaths()
    {
        var paths = new List<string>();
        CollectLeaves(_root, prefix: null, paths);
        return paths;
    }

    /// <summary>Where the value at the path was written, or null when the path is missing.</summary>
    public HoconOrigin? OriginOf(string path) => Find(path, throwIfBlocked: false)?.Origin;

    /// <summary>
    /// Settings in this config whose path does not exist in <paramref name="reference"/> (typically the shipped
    /// defaults), each with where it was written, ordered by file and line. A key is reported once, at the highest
    /// unknown level. An empty object in the reference is open: any keys under it are accepted.
    /// </summary>
    public IReadOnlyList<(string Path, HoconOrigin Origin)> UnknownKeys(HoconConfig reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var unknown = new List<(string Path, HoconOrigin Origin)>();
        CollectUnknown(_root, reference._root, prefix: null, unknown);

        // Merging puts fallback keys first; report in the order the author wrote them instead.
        return [.. unknown.OrderBy(key => key.Origin.Source, StringComparer.Ordinal).ThenBy(key => key.Origin.Line)];
    }

    private static HoconObject Merge(HoconObject overlay, HoconObject fallback)
    {
        if (fallback.Count == 0)
        {
            return overlay;
        }

        if (overlay.Count == 0)
        {
            return fallback;
        }

        var merged = new HoconObject(overlay.Origin ?? fallback.Origin, isResolved: true);
        foreach (var (key, value) in fallback.Fields)
        {
            if (!overlay.TryGetValue(key, out var winner))
            {
                merged.Set(key, value);
            }
            else if (winner is HoconObject overlayObject && value is HoconObject fallbackObject)
            {
                merged.Set(key, Merge(overlayObject, fallbackObject));
            }
            else
            {
                merged.Set(key, winner);
            }
        }

        foreach (var (key, value) in overlay.Fields)
        {
            if (!fallback.TryGetValue(key, out _))
            {
                merged.Set(key, value);
            }
        }

        return merged;
    }

    private static void CollectLeaves(HoconObject container, string? prefix, List<string> paths)
    {
        foreach (var (key, value) in container.Fields)
        {
            var path = HoconPath.Join(prefix, key);
            if (value is HoconObject child)
            {
                CollectLeaves(child, path, paths);
            }
            else
            {
                paths.Add(path);
            }
        }
    }

    private static void CollectUnknown(
        HoconObject mine, HoconObject reference, string? prefix, List<(string Path, HoconOrigin Origin)> unknown)
    {
        foreach (var (key, value) in mine.Fields)
        {
            var path = HoconPath.Join(prefix, key);
            if (!reference.TryGetValue(key, out var known))
            {
                unknown.Add((path, value.Origin ?? UnknownOrigin));
            }
            else if (value is HoconObject mineChild && known is HoconObject { Count: > 0 } referenceChild)
            {
                CollectUnknown(mineChild, referenceChild, path, unknown);
            }
        }
    }

    /// <summary>
    /// The value at the path, or null when some key on the way is missing or null. A key on the way that holds a
    /// plain value is a mistake in the file, reported when <paramref name="throwIfBlocked"/>.
    /// </summary>
    private HoconValue? Find(string path, bool throwIfBlocked)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!HoconPath.TryParse(path, out var segments))
        {
            throw new HoconException($"invalid setting path '{path}'", origin: null, path);
        }

        HoconValue current = _root;
        for (var i = 0; i < segments.Count; i++)
        {
            if (current is not HoconObject container)
            {
                if (!throwIfBlocked || IsNull(current))
                {
                    return null;
                }

                throw TypeError(current, HoconPath.Render(segments.Take(i)), $"an object (to read '{FullPath(path)}')");
            }

            if (!container.TryGetValue(segments[i], out var child))
            {
                return null;
            }

            current = child;
        }

        return current;
    }

    private HoconValue Require(string path, string expected)
    {
        var value = Find(path, throwIfBlocked: true);
        if (value is null)
        {
            var fullPath = FullPath(path);
            throw new HoconException($"missing setting '{fullPath}'", origin: null, fullPath);
        }

        return IsNull(value) ? throw TypeError(value, path, expected) : value;
    }

    private HoconValue? Optional(string path) => Find(path, throwIfBlocked: true) is { } value && !IsNull(value) ? value : null;

    private string ToText(HoconValue value, string path) =>
        value is HoconScalar { IsNull: false } scalar ? scalar.Text : throw TypeError(value, path, "a string");

    private string ScalarText(HoconValue value, string path, string expected) =>
        value is HoconScalar { IsNull: false } scalar ? scalar.Text.Trim() : throw TypeError(value, path, expected);

    private long ToInteger(HoconValue value, string path, long min, long max)
    {
        var text = ScalarText(value, path, "an integer");
        var isInteger = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number);
        if (isInteger && number >= min && number <= max)
        {
            return number;
        }

        var looksInteger = text.Length > 0 && text.AsSpan(text[0] is '-' or '+' ? 1 : 0).ContainsAnyExceptInRange('0', '9') is false;
        throw looksInteger
            ? TypeError(value, path, string.Create(CultureInfo.InvariantCulture, $"an integer between {min} and {max}"))
            : TypeError(value, path, "an integer");
    }

    private double ToDouble(HoconValue value, string path)
    {
        var text = ScalarText(value, path, "a number");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw TypeError(value, path, "a number");
    }

    private bool ToBoolean(HoconValue value, string path)
    {
        var text = ScalarText(value, path, BooleanExpectation);
        if (IsAnyOf(text, "true", "yes", "on"))
        {
            return true;
        }

        return IsAnyOf(text, "false", "no", "off") ? false : throw TypeError(value, path, BooleanExpectation);
    }

    private long ToByteSize(HoconValue value, string path)
    {
        var text = ScalarText(value, path, SizeExpectation);
        if (HoconUnits.TryParseByteSize(text, out var bytes, out var outOfRange))
        {
            return bytes;
        }

        throw outOfRange
            ? TypeError(value, path, string.Create(CultureInfo.InvariantCulture, $"a size of at most {long.MaxValue} bytes"))
            : TypeError(value, path, SizeExpectation);
    }

    private TimeSpan ToTimeSpan(HoconValue value, string path)
    {
        var text = ScalarText(value, path, DurationExpectation);
        if (HoconUnits.TryParseDuration(text, out var duration, out var outOfRange))
        {
            return duration;
        }

        throw outOfRange
            ? TypeError(value, path, string.Create(CultureInfo.InvariantCulture, $"a duration of at most {(long)TimeSpan.MaxValue.TotalDays} days"))
            : TypeError(value, path, DurationExpectation);
    }

    private List<string> ToStringList(HoconValue value, string path)
    {
        if (value is not HoconList list)
        {
            throw TypeError(value, path, "a list");
        }

        var strings = new List<string>(list.Items.Count);
        for (var i = 0; i < list.Items.Count; i++)
        {
            strings.Add(list.Items[i] is HoconScalar { IsNull: false } scalar
                ? scalar.Text
                : throw TypeError(list.Items[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), "a string"));
        }

        return strings;
    }

    private HoconException TypeError(HoconValue value, string path, string expected)
    {
        var fullPath = FullPath(path);
        var source = value is HoconScalar { EnvironmentVariable: { } variable }
            ? $" (from environment variable {variable})"
            : "";
        return new HoconException($"{fullPath}: expected {expected}, got {value.Describe()}{source}", value.Origin, fullPath);
    }

    private string FullPath(string path) => string.IsNullOrEmpty(_pathPrefix) ? path : $"{_pathPrefix}.{path}";

    private static bool IsNull(HoconValue value) => value is HoconScalar { IsNull: true };

    private static bool IsAnyOf(string text, params string[] candidates) =>
        candidates.Any(candidate => string.Equals(text, candidate, StringComparison.OrdinalIgnoreCase));
}
