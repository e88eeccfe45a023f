using Akka.Configuration;
using Akka.Configuration.Hocon;
using Striper.Actors.Settings;
using Striper.Host.Hosting;

namespace Striper.Tests.Support;

/// <summary>A user's config text loaded as at startup (parsed, checked for unknown keys, put over the built-in defaults).</summary>
internal static class TestConfig
{
    /// <summary>The built-in config.hocon with no environment variables applied, so tests do not see the machine's.</summary>
    public static Config Defaults { get; } = ConfigLoader.Defaults(_ => null);

    public static LoadedConfig Load(string userText, string source = "user.conf", Func<string, string?>? environment = null)
    {
        var user = ConfigText.Parse(userText, source, environment ?? (_ => null));
        return new LoadedConfig(ConfigLoader.Overlay(user, Defaults, source), user, source);
    }

    /// <summary>Every path that holds a value other than an object, dotted.</summary>
    public static IReadOnlyList<string> LeafPaths(Config config)
    {
        var paths = new List<string>();
        if (config.Root is null)
        {
            return paths;
        }

        var pending = new Stack<(HoconValue Value, string Path)>();
        pending.Push((config.Root, string.Empty));
        while (pending.TryPop(out var item))
        {
            if (item.Value.IsObject())
            {
                foreach (var (key, child) in item.Value.GetObject().Items)
                {
                    pending.Push((child, item.Path.Length == 0 ? key : $"{item.Path}.{key}"));
                }
            }
            else if (item.Path.Length > 0)
            {
                paths.Add(item.Path);
            }
        }

        return paths;
    }
}
