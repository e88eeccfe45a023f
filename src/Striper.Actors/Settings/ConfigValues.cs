using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Striper.Actors.Settings;

/// <summary>
/// Typed reads of one setting through Akka's <see cref="HoconValue"/>. Akka's getters return 0 or null for a missing
/// key and throw whatever the text parser throws for a bad value; these name the setting and the value instead.
/// Sizes and durations take Akka's units (<c>256KiB</c>, <c>1MiB</c>, <c>5s</c>, <c>100ms</c>).
/// </summary>
public static class ConfigValues
{
    private const string IntegerExpectation = "an integer";
    private const string SizeExpectation = "a size like 64KiB";
    private const string DurationExpectation = "a duration like 250ms or 5s";
    private const string BooleanExpectation = "on or off (or true/false, yes/no)";

    public static int GetInt(Config config, string path)
    {
        var value = Scalar(config, path, IntegerExpectation);
        return Convert(value, path, IntegerExpectation, v => v.GetInt());
    }

    public static long GetSize(Config config, string path)
    {
        var value = Scalar(config, path, SizeExpectation);
        return Convert(value, path, SizeExpectation, v => v.GetByteSize()) ?? throw Wrong(value, path, SizeExpectation);
    }

    public static TimeSpan GetDuration(Config config, string path)
    {
        var value = Scalar(config, path, DurationExpectation);
        return Convert(value, path, DurationExpectation, v => v.GetTimeSpan(allowInfinite: false));
    }

    /// <summary>Akka takes on/off and true/false; yes/no are read too, as Striper always has.</summary>
    public static bool GetBoolean(Config config, string path)
    {
        var value = Scalar(config, path, BooleanExpectation);
        return Text(value)?.Trim().ToUpperInvariant() switch
        {
            "ON" or "TRUE" or "YES" => true,
            "OFF" or "FALSE" or "NO" => false,
            _ => throw Wrong(value, path, BooleanExpectation),
        };
    }

    public static string GetString(Config config, string path)
    {
        var value = Scalar(config, path, "a string");
        return Text(value) ?? throw Wrong(value, path, "a string");
    }

    public static IReadOnlyList<string> GetStringList(Config config, string path)
    {
        var value = Find(config, path) ?? throw Missing(path);
        var items = ListItems(value) ?? throw Wrong(value, path, "a list of strings");
        var strings = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            strings.Add(!item.IsObject() && ListItems(item) is null && Text(item) is { } text
                ? text
                : throw Wrong(item, FormattableString.Invariant($"{path}[{i}]"), "a string"));
        }

        return strings;
    }

    /// <summary>A size written elsewhere (a command-line flag) in the units a size in the file takes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = new HoconValue();
        value.AppendValue(new HoconLiteral { Value = text.Trim() });
        try
        {
            var parsed = value.GetByteSize();
            bytes = parsed ?? 0;
            return parsed is not null;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            bytes = 0;
            return false;
        }
    }

    /// <summary>The value at the path, or null when it is not there (or Akka cannot walk to it).</summary>
    internal static HoconValue? Find(Config config, string path)
    {
        try
        {
            return config.HasPath(path) ? config.GetValue(path) : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A key on the way holds a plain value ("striper = 5"): the setting is not there.
            return null;
        }
    }

    private static HoconValue Scalar(Config config, string path, string expected)
    {
        var value = Find(config, path) ?? throw Missing(path);
        return value.IsObject() || ListItems(value) is not null ? throw Wrong(value, path, expected) : value;
    }

    /// <summary>
    /// The elements of a list, or null when the value is not one. Akka's own <c>IsArray</c> says no to <c>[]</c>,
    /// and its parser keeps the blanks of <c>[ ]</c> as an empty element and the blanks after <c>]</c> as text;
    /// neither is something the user wrote.
    /// </summary>
    private static List<HoconValue>? ListItems(HoconValue value)
    {
        var elements = value.Values.Where(element => element is not HoconLiteral { Value: var text } || !string.IsNullOrWhiteSpace(text)).ToList();
        if (elements.Count == 0 || !elements.All(element => element is HoconArray))
        {
            return null;
        }

        return [.. elements.Cast<HoconArray>().SelectMany(list => list).Where(item => item.Values.Count > 0)];
    }

    private static T Convert<T>(HoconValue value, string path, string expected, Func<HoconValue, T> read)
    {
        try
        {
            return read(value);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or NotSupportedException or ArgumentException or InvalidOperationException or NullReferenceException or ConfigurationException)
        {
            throw Wrong(value, path, expected, ex);
        }
    }

    private static string? Text(HoconValue value)
    {
        try
        {
            return value.GetString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static ConfigException Missing(string path) => new($"missing setting '{path}'", [path]);

    private static ConfigException Wrong(HoconValue value, string path, string expected, Exception? inner = null)
    {
        var got = value.IsObject() ? "an object" : ListItems(value) is not null ? "a list" : Text(value) is { } text ? $"'{text}'" : "null";
        return new ConfigException($"{path} must be {expected}, got {got}", [path], inner);
    }
}
