using System.Security.Cryptography;

namespace Striper.Actors.Identity;

/// <summary>
/// A node's Serval-style subscriber id: the SHA-256 of its public key, so whoever shows the key proves the SID and
/// nobody can claim a SID without the key. Kept as its 64-character lowercase hex form: SIDs are compared and looked
/// up a few times per neighbour, never per packet, and the text is what users type.
/// </summary>
internal readonly record struct Sid(string Hex)
{
    public const int Size = 32;

    public static Sid FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(publicKey, hash);
        return new Sid(Convert.ToHexStringLower(hash));
    }

    /// <summary>The SID carried as 32 raw bytes (in route announcements and routed datagrams).</summary>
    public static Sid FromBytes(ReadOnlySpan<byte> bytes) => new(Convert.ToHexStringLower(bytes[..Size]));

    /// <summary>Writes the 32 raw bytes.</summary>
    public void WriteBytes(Span<byte> destination) => Convert.FromHexString(Hex, destination[..Size], out _, out _);

    /// <summary>Accepts 64 hex digits in either case; the error says what was wrong.</summary>
    public static bool TryParse(string text, out Sid sid, out string? error)
    {
        sid = default;
        text = text.Trim();
        if (text.Length != Size * 2 || !text.All(char.IsAsciiHexDigit))
        {
            error = $"{Shown(text)} is not a SID (64 hexadecimal digits, as 'striper id' prints)";
            return false;
        }

        error = null;
        sid = new Sid(text.ToLowerInvariant());
        return true;
    }

    /// <summary>The first 16 hex digits, enough to tell nodes apart in a log line.</summary>
    public string Abbreviated => Hex.Length > 16 ? Hex[..16] + "*" : Hex;

    public override string ToString() => Hex;

    /// <summary>
    /// The rejected text as the error shows it: quoted, cut to 80 characters, control and line-separator characters
    /// escaped, so the error stays one line and a hostile argument cannot forge log lines or drive the terminal.
    /// </summary>
    private static string Shown(string text)
    {
        var builder = new System.Text.StringBuilder("'");
        foreach (var c in text.Length > 80 ? text[..80] : text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                builder.Append($"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append(text.Length > 80 ? "'... (" + text.Length + " characters)" : "'").ToString();
    }
}
