using Striper.Actors.Identity;
using Striper.Tests.Support;

namespace Striper.Tests.Identity;

/// <summary>The identity file: created private, reloaded to the same SID, refused when others can read it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IdentityStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-id-").FullName;

    [Fact]
    public void First_use_should_create_an_owner_only_file_and_a_sid_that_hashes_the_public_key()
    {
        var path = Path.Combine(_directory, "sub", "identity");

        using var identity = IdentityStore.LoadOrCreate(path, out var created);

        Assert.True(created);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(64, identity.Sid.Hex.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(identity.PublicKey)), identity.Sid.Hex);
    }

    [Fact]
    public void Reloading_should_give_the_same_sid_and_a_new_file_a_different_one()
    {
        var path = Path.Combine(_directory, "identity");
        using var first = IdentityStore.LoadOrCreate(path, out _);

        using var again = IdentityStore.LoadOrCreate(path, out var created);
        using var other = IdentityStore.LoadOrCreate(Path.Combine(_directory, "other"), out _);

        Assert.False(created);
        Assert.Equal(first.Sid, again.Sid);
        Assert.NotEqual(first.Sid, other.Sid);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    public void A_file_others_can_read_should_be_refused_naming_the_file_and_the_fix(UnixFileMode extra)
    {
        var path = Path.Combine(_directory, "identity");
        IdentityStore.LoadOrCreate(path, out _).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = Assert.Throws<IdentityException>(() => IdentityStore.LoadOrCreate(path, out _));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_key_should_be_refused_naming_it()
    {
        var path = Path.Combine(_directory, "identity");
        File.WriteAllText(path, "not a key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<IdentityException>(() => IdentityStore.LoadOrCreate(path, out _));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shared_secret_should_agree_both_ways_and_reject_a_point_off_the_curve()
    {
        using var a = NodeIdentity.Generate();
        using var b = NodeIdentity.Generate();
        var bogus = (byte[])b.PublicKey.Clone();
        bogus[40] ^= 0x55;

        Assert.Equal(a.DeriveSharedSecret(b.PublicKey), b.DeriveSharedSecret(a.PublicKey));
        Assert.Null(a.DeriveSharedSecret(bogus));
        Assert.Null(a.DeriveSharedSecret(new byte[3]));
    }

    [Fact]
    public async Task Id_command_should_create_then_print_the_same_sid_on_the_last_line()
    {
        var path = Path.Combine(_directory, "node");
        var timeout = TimeSpan.FromSeconds(30);

        var (code1, out1, _) = await ChildProcess.RunStriperAsync(timeout, "id", "--identity", path);
        var (code2, out2, _) = await ChildProcess.RunStriperAsync(timeout, "id", "--identity", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var (code3, _, err3) = await ChildProcess.RunStriperAsync(timeout, "id", "--identity", path);

        Assert.Equal(0, code1);
        Assert.Equal(0, code2);
        var sid = LastLine(out1);
        Assert.Matches("^[0-9a-f]{64}$", sid);
        Assert.Equal(sid, LastLine(out2));
        Assert.Contains("created", out1, StringComparison.Ordinal);
        // A key file others can read is a setup problem, like a bad config or secret file: exit code 2.
        Assert.Equal(2, code3);
        Assert.Contains("chmod 600", err3, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].Trim();
}
