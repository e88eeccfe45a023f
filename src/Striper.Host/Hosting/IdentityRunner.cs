using Striper.Actors.Identity;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host.Hosting;

/// <summary><c>striper id</c>: creates the node's identity the first time and prints its SID on the last line.</summary>
internal static class IdentityRunner
{
    public const string ConfigPath = "striper.identity.file";

    public static int Run(string? identityFile, CommonOptions common)
    {
        var path = ResolvePath(identityFile, common);
        using var identity = IdentityStore.LoadOrCreate(path, out var created);
        var full = Path.GetFullPath(IdentityStore.ExpandHome(path));
        Console.Out.WriteLine(created ? $"created a new identity in {full}" : $"identity {full}");
        Console.Out.WriteLine(identity.Sid.Hex);
        return ExitCodes.Success;
    }

    /// <summary>The --identity flag, else <c>striper.identity.file</c> from the configuration.</summary>
    public static string ResolvePath(string? identityFile, CommonOptions common) =>
        identityFile ?? ConfigLoader.Load(common.ConfigFile).Read(config => ConfigValues.GetString(config, ConfigPath));
}
