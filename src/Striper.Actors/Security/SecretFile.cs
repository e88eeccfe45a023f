namespace Striper.Actors.Security;

/// <summary>
/// Reads and writes files that hold a <see cref="SharedSecret"/>. Such a file must be readable by its owner only,
/// as ssh insists for private keys: a secret others can read is no secret, and silently using it would hide that.
/// </summary>
public static class SecretFile
{
    private const UnixFileMode OthersMask =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The largest secret file read; anything bigger is not one of ours.</summary>
    private const int MaxLength = 4096;

    public static SharedSecret Load(string path)
    {
        var text = ReadPrivateText(path, "secret file");
        return SharedSecret.TryParse(text, out var secret, out var error)
            ? secret!
            : throw new SecretFileException($"secret file {path} does not hold a usable secret: {error}");
    }

    /// <summary>
    /// The text of a small file only its owner may read (a secret, the control endpoint's token); <paramref name="what"/>
    /// names it in the error.
    /// </summary>
    public static string ReadPrivateText(string path, string what)
    {
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & OthersMask) != 0)
                {
                    throw new SecretFileException(
                        $"{what} {path} is readable or writable by group or others (mode {Octal(mode)}); run 'chmod 600 {path}' so only its owner can read it");
                }
            }

            if (new FileInfo(path).Length > MaxLength)
            {
                throw new SecretFileException($"{what} {path} is larger than {MaxLength} bytes: it does not hold a secret made by 'striper secret'");
            }

            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SecretFileException($"cannot read {what} {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Creates a new file (never overwriting one) with owner-only permissions from the start.</summary>
    public static void Create(string path, string secretText)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(path, options);
            writer.WriteLine(secretText);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SecretFileException($"cannot create secret file {path}: {ex.Message}", ex);
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1ff, 8).PadLeft(3, '0');
}
