using System.Reflection;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Striper.Actors.Settings;

namespace Striper.Host.Hosting;

/// <summary>
/// The built-in config.hocon (embedded in the program), overlaid by <c>--config FILE</c>, both read by Akka's HOCON.
/// A key under <c>striper</c> (or at the top) that the defaults do not have is an error: a typo must not be silently
/// ignored. The <c>akka</c> block is Akka's own and is passed to the actor system unchecked.
/// </summary>
internal static class ConfigLoader
{
    public const string BuiltInName = "config.hocon (built-in)";

    /// <summary>The top-level key left to Akka: its settings are Akka's to know.</summary>
    public const string AkkaRoot = "akka";

    /// <summary>Settings that were renamed: a file written for an older version hears what the setting is called now.</summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["striper.substream-grace"] = "striper.session.resume-window",
    };

    public static Config Defaults(Func<string, string?>? environment = null)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("config.hocon")
            ?? throw new InvalidOperationException("the built-in config.hocon is missing from the program");
        using var reader = new StreamReader(stream);
        return ConfigText.Parse(reader.ReadToEnd(), BuiltInName, environment);
    }

    public static LoadedConfig Load(string? userFile)
    {
        var defaults = Defaults();
        if (userFile is null)
        {
            return new LoadedConfig(defaults, Config.Empty, UserFile: null);
        }

        var user = ConfigText.ParseFile(userFile);
        return new LoadedConfig(Overlay(user, defaults, userFile), user, userFile);
    }

    /// <summary>Checks the user's keys against the defaults, then puts the user's file over them.</summary>
    public static Config Overlay(Config user, Config defaults, string userSource)
    {
        if (UnknownKey(user, defaults) is { } unknown)
        {
            if (Renamed.TryGetValue(unknown, out var now))
            {
                throw new ConfigException($"{userSource}: the setting '{unknown}' is now called '{now}' (see config.hocon)", [unknown]);
            }

            throw new ConfigException($"{userSource}: unknown setting '{unknown}' (see config.hocon for the settings there are)", [unknown]);
        }

        return user.WithFallback(defaults);
    }

    /// <summary>
    /// The first path in <paramref name="user"/> that <paramref name="reference"/> lacks, reported at the highest
    /// unknown level; an empty object in the reference is open (any keys under it are accepted).
    /// </summary>
    public static string? UnknownKey(Config user, Config reference)
    {
        if (user.Root?.IsObject() != true || reference.Root?.IsObject() != true)
        {
            return null;
        }

        var pending = new Stack<(HoconObject Mine, HoconObject Known, string Prefix)>();
        pending.Push((user.Root.GetObject(), reference.Root.GetObject(), string.Empty));
        while (pending.TryPop(out var level))
        {
            foreach (var (key, value) in level.Mine.Items)
            {
                var path = level.Prefix.Length == 0 ? key : $"{level.Prefix}.{key}";
                if (path == AkkaRoot)
                {
                    continue;
                }

                if (!level.Known.Items.TryGetValue(key, out var known))
                {
                    return path;
                }

                if (value.IsObject() && known.IsObject() && known.GetObject().Items.Count > 0)
                {
                    pending.Push((value.GetObject(), known.GetObject(), path));
                }
            }
        }

        return null;
    }
}
