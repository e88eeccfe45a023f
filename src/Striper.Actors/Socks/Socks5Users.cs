using System.Security.Cryptography;
using System.Text;
using Striper.Actors.Security;

namespace Striper.Actors.Socks;

/// <summary>
/// The usernames and passwords a SOCKS front end accepts (RFC 1929), from a file of <c>user:password</c> lines that
/// only its owner may read. Blank lines and lines starting with # are skipped.
/// </summary>
public sealed class Socks5Users
{
    private readonly Dictionary<string, byte[]> _passwords;

    private Socks5Users(Dictionary<string, byte[]> passwords)
    {
        _passwords = passwords;
    }

    public int Count => _passwords.Count;

    public static Socks5Users Load(string path)
    {
        var passwords = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var lines = SecretFile.ReadPrivateText(path, "SOCKS users file").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (user, password) = colon > 0 ? (line[..colon], line[(colon + 1)..]) : (string.Empty, string.Empty);
            if (user.Length is 0 or > 255 || Encoding.UTF8.GetByteCount(password) is 0 or > 255)
            {
                throw new SecretFileException($"SOCKS users file {path}, line {i + 1}: expected user:password, each 1 to 255 bytes");
            }

            passwords[user] = Encoding.UTF8.GetBytes(password);
        }

        return passwords.Count > 0 ? new Socks5Users(passwords) : throw new SecretFileException($"SOCKS users file {path} names no user");
    }

    /// <summary>Compares in constant time for a known user, so timing tells nothing about the password.</summary>
    public bool Accepts(string user, ReadOnlySpan<byte> password) =>
        _passwords.TryGetValue(user, out var expected) && CryptographicOperations.FixedTimeEquals(expected, password);
}
