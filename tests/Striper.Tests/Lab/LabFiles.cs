using System.Globalization;
using System.Security.Cryptography;

namespace Striper.Tests.Lab;

/// <summary>What every lab test does with the files its transfers read and write, and the numbers it puts on command lines.</summary>
public static class LabFiles
{
    /// <summary>The received file exists and has exactly the sent file's bytes (length and SHA-256).</summary>
    public static void AssertSameBytes(string sent, string received)
    {
        Assert.True(File.Exists(received), $"{received} was never written");
        Assert.Equal(new FileInfo(sent).Length, new FileInfo(received).Length);
        Assert.Equal(Sha256(sent), Sha256(received));
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
