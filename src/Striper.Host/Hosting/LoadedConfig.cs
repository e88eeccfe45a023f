using Akka.Configuration;
using Striper.Actors.Settings;

namespace Striper.Host.Hosting;

/// <summary>
/// The merged configuration, and the user's file on its own: Akka's HOCON keeps no origin with a value, so which
/// file set a bad setting is found by asking whether the user's file has it.
/// </summary>
internal sealed record LoadedConfig(Config Merged, Config User, string? UserFile)
{
    /// <summary>Runs a read of the merged config; a bad value's error starts with the user's file when it set one.</summary>
    public T Read<T>(Func<Config, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read(Merged);
        }
        catch (ConfigException ex) when (UserFile is not null && ex.Paths.Any(path => ConfigValues.Find(User, path) is not null))
        {
            throw ex.In(UserFile);
        }
    }

    /// <summary><see cref="Read{T}"/> for a step that applies settings rather than returning them.</summary>
    public void Use(Action<Config> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Read(config =>
        {
            apply(config);
            return true;
        });
    }
}
