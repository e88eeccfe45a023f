using System.Security.Cryptography;

namespace Striper.Actors.Identity;

/// <summary>
/// Loads a node's identity from its file, creating it the first time. The file holds the private key, so it is
/// created readable and writable by its owner only (0600, in a directory created 0700), and a file that group or
/// others may read is refused rather than used: a key that others could have copied no longer proves the SID.
/// </summary>
internal static class IdentityStore
{
    private const UnixFileMode Exposed =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Replaces a leading <c>~</c> with the user's home directory, as a shell would.</summary>
    public static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h
                ? h
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return home + path[1..];
        }

        return path;
    }

    /// <summary>Loads the identity at <paramref name="path"/>, or creates it; <paramref name="created"/> says which.</summary>
    public static NodeIdentity LoadOrCreate(string path, out bool created)
    {
        path = Path.GetFullPath(ExpandHome(path));
        if (File.Exists(path))
        {
            created = false;
            return Load(path);
        }

        created = true;
        return Create(path);
    }

    private static NodeIdentity Load(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & Exposed) != 0)
            {
                throw new IdentityException(
                    $"identity file {path} can be read or written by group or others (mode {Convert.ToString((int)mode, 8)}); "
                    + $"it holds the private key, so make it private with 'chmod 600 {path}' (or delete it to make a new identity)");
            }
        }

        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"cannot read identity file {path}: {ex.Message}", ex);
        }

        try
        {
            return NodeIdentity.FromPem(pem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new IdentityException($"identity file {path} does not hold a P-256 private key ({ex.Message}); delete it to make a new identity", ex);
        }
    }

    private static NodeIdentity Create(string path)
    {
        var identity = NodeIdentity.Generate();
        try
        {
            var directory = Path.GetDirectoryName(path);
            if (directory is not null && !Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Set at creation, so the key is never readable by others, not even for a moment.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
            writer.Write(identity.ExportPem());
            writer.Write('\n');
            return identity;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            identity.Dispose();
            throw new IdentityException($"cannot create identity file {path}: {ex.Message}", ex);
        }
    }
}
