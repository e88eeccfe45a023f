using System.Reflection;
using Striper.Actors.Configuration;

namespace Striper.Host.Hosting;

/// <summary>
/// The built-in config.hocon (embedded in the program), overlaid by <c>--config FILE</c>. A key in the user's
/// file that the defaults do not have is an error with its file and line: a typo must not be silently ignored.
/// </summary>
internal static class ConfigLoader
{
    public const string BuiltInName = "config.hocon (built-in)";

    public static HoconConfig Defaults()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("config.hocon")
            ?? throw new InvalidOperationException("the built-in config.hocon is missing from the program");
        using var reader = new StreamReader(stream);
        return HoconConfig.Parse(reader.ReadToEnd(), BuiltInName);
    }

    public static HoconConfig Load(string? userFile)
    {
        var defaults = Defaults();
        if (userFile is null)
        {
            return defaults;
        }

        var user = HoconConfig.ParseFile(userFile);
        var unknown = user.UnknownKeys(defaults);
        if (unknown.Count > 0)
        {
            var (path, origin) = unknown[0];
            throw new HoconException($"{origin}: unknown setting '{path}' (see config.hocon for the settings there are)");
        }

        return user.WithFallback(defaults);
    }
}
