using Striper.Actors.Security;

namespace Striper.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SharedSecretTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-secret-").FullName;

    [Fact]
    public void Generated_secrets_should_be_43_base64url_characters_that_parse_and_differ()
    {
        var first = SharedSecret.GenerateText();
        var second = SharedSecret.GenerateText();

        Assert.Equal(43, first.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first);
        Assert.NotEqual(first, second);
        Assert.True(SharedSecret.TryParse(first + "\n", out var secret, out var error), error);
        Assert.Equal("SharedSecret(redacted)", secret!.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("not base64url at all!", "not base64url")]
    [InlineData("c2hvcnQ", "fewer than 16")]
    public void Unusable_text_should_be_refused_without_quoting_it(string text, string reason)
    {
        Assert.False(SharedSecret.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        if (text.Length > 0)
        {
            Assert.DoesNotContain(text, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Created_file_should_be_owner_only_and_load()
    {
        var path = Path.Combine(_directory, "s");
        SecretFile.Create(path, SharedSecret.GenerateText());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.NotNull(SecretFile.Load(path));
        Assert.Throws<SecretFileException>(() => SecretFile.Create(path, SharedSecret.GenerateText()));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead, "640")]
    [InlineData(UnixFileMode.OtherRead, "604")]
    [InlineData(UnixFileMode.GroupWrite, "620")]
    public void File_others_can_read_should_be_refused_naming_it_and_chmod_600(UnixFileMode extra, string mode)
    {
        var path = Path.Combine(_directory, "open");
        var text = SharedSecret.GenerateText();
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = Assert.Throws<SecretFileException>(() => SecretFile.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"mode {mode}", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_should_be_refused_naming_it()
    {
        var path = Path.Combine(_directory, "absent");

        var error = Assert.Throws<SecretFileException>(() => SecretFile.Load(path));

        Assert.Contains($"cannot read secret file {path}", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
