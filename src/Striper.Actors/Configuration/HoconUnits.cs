using System.Globalization;

namespace Striper.Actors.Configuration;

/// <summary>
/// HOCON's unit formats: a number, optional whitespace, an optional unit. Sizes default to bytes and durations
/// to milliseconds. Single-letter size units are powers of two (<c>64K</c> = 65536), as the HOCON spec says.
/// </summary>
internal static class HoconUnits
{
    private static readonly Dictionary<string, decimal> SizeUnits = BuildSizeUnits();

    private static readonly Dictionary<string, decimal> DurationUnitTicks = BuildDurationUnits();

    /// <summary>Parses a size; <paramref name="outOfRange"/> distinguishes "too big" from "not a size".</summary>
    public static bool TryParseByteSize(string text, out long bytes, out bool outOfRange)
    {
        bytes = 0;
        if (!TrySplit(text, out var number, out var unit, out outOfRange))
        {
            return false;
        }

        if (!SizeUnits.TryGetValue(unit.Length == 0 ? "B" : unit, out var multiplier) || number < 0)
        {
            return false;
        }

        try
        {
            var total = decimal.Truncate(number * multiplier);
            if (total > long.MaxValue)
            {
                outOfRange = true;
                return false;
            }

            bytes = (long)total;
            return true;
        }
        catch (OverflowException)
        {
            outOfRange = true;
            return false;
        }
    }

    public static bool TryParseDuration(string text, out TimeSpan duration, out bool outOfRange)
    {
        duration = TimeSpan.Zero;
        if (!TrySplit(text, out var number, out var unit, out outOfRange))
        {
            return false;
        }

        if (!DurationUnitTicks.TryGetValue(unit.Length == 0 ? "ms" : unit, out var ticksPerUnit))
        {
            return false;
        }

        try
        {
            var ticks = Math.Round(number * ticksPerUnit, MidpointRounding.AwayFromZero);
            if (ticks > long.MaxValue || ticks < long.MinValue)
            {
                outOfRange = true;
                return false;
            }

            duration = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        catch (OverflowException)
        {
            outOfRange = true;
            return false;
        }
    }

    /// <summary>Splits "1.5 MiB" into 1.5 and "MiB". The unit is letters only and may be empty.</summary>
    private static bool TrySplit(string text, out decimal number, out string unit, out bool outOfRange)
    {
        number = 0;
        unit = "";
        outOfRange = false;
        var span = text.AsSpan().Trim();
        var i = 0;
        if (i < span.Length && span[i] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        while (i < span.Length && char.IsAsciiDigit(span[i]))
        {
            i++;
            digits++;
        }

        if (i < span.Length && span[i] == '.')
        {
            i++;
            while (i < span.Length && char.IsAsciiDigit(span[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        var rest = span[i..].Trim();
        foreach (var c in rest)
        {
            if (!char.IsLetter(c))
            {
                return false;
            }
        }

        if (!decimal.TryParse(span[..i], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number))
        {
            // Only digits got here, so a failure means more digits than a decimal holds.
            outOfRange = true;
            return false;
        }

        unit = rest.ToString();
        return true;
    }

    private static Dictionary<string, decimal> BuildSizeUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["B"] = 1,
            ["b"] = 1,
            ["byte"] = 1,
            ["bytes"] = 1,
        };
        (string Letter, string Decimal, string Binary)[] prefixes =
        [
            ("K", "kilo", "kibi"),
            ("M", "mega", "mebi"),
            ("G", "giga", "gibi"),
            ("T", "tera", "tebi"),
            ("P", "peta", "pebi"),
            ("E", "exa", "exbi"),
            ("Z", "zetta", "zebi"),
            ("Y", "yotta", "yobi"),
        ];
        decimal powerOfTen = 1;
        decimal powerOfTwo = 1;
        foreach (var (letter, decimalName, binaryName) in prefixes)
        {
            powerOfTen *= 1000;
            powerOfTwo *= 1024;

            // Kilo is the one decimal prefix written in lower case ("kB"); the rest are "MB", "GB", ...
            var decimalSymbol = letter == "K" ? "kB" : letter + "B";
            units[decimalSymbol] = powerOfTen;
            units[decimalName + "byte"] = powerOfTen;
            units[decimalName + "bytes"] = powerOfTen;

            units[letter] = powerOfTwo;
            units[letter.ToLowerInvariant()] = powerOfTwo;
            units[letter + "i"] = powerOfTwo;
            units[letter + "iB"] = powerOfTwo;
            units[binaryName + "byte"] = powerOfTwo;
            units[binaryName + "bytes"] = powerOfTwo;
        }

        return units;
    }

    private static Dictionary<string, decimal> BuildDurationUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal ticks, params string[] names)
        {
            foreach (var name in names)
            {
                units[name] = ticks;
            }
        }

        Add(0.01m, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(TimeSpan.TicksPerMicrosecond, "us", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }
}
