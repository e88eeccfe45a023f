using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>A bad command line or configuration gets one clear sentence and exit code 2; help says everything.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-cli-").FullName;

    [Fact]
    public async Task Help_should_describe_both_proxies_the_demo_and_every_option()
    {
        var (code, stdout, _) = await ChildProcess.RunStriperAsync(Timeout, "--help");

        Assert.Equal(0, code);
        foreach (var expected in new[] { "-c", "-s", "demo", "--stripes", "--config", "-v", "-q", "[::1]:22222", "ssh -p 11111 localhost" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Demo_help_should_describe_size()
    {
        var (code, stdout, _) = await ChildProcess.RunStriperAsync(Timeout, "demo", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--size", stdout, StringComparison.Ordinal);
        Assert.Contains("SHA-256", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("say what to run", new string[0])]
    [InlineData("cannot be used together", new[] { "-c", "127.0.0.1:1", "h:2", "-s", "127.0.0.1:3", "h:4" })]
    [InlineData("Required argument missing for option: '-c'", new[] { "-c", "127.0.0.1:1" })]
    [InlineData("port 'ssh' is not a number", new[] { "-c", "127.0.0.1:1", "host", "ssh" })]
    [InlineData("write it as [address]:port", new[] { "-s", "::1:22222", "127.0.0.1:22" })]
    [InlineData("TARGET: 'localhost' is not host:port", new[] { "-s", "127.0.0.1:22222", "localhost" })]
    [InlineData("--stripes must be a whole number from 1 to 256, got '0'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "0" })]
    [InlineData("got 'many'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "many" })]
    [InlineData("Unrecognized command or argument '--frobnicate'", new[] { "--frobnicate" })]
    [InlineData("--size", new[] { "demo", "--size", "lots" })]
    public async Task Bad_command_line_should_exit_2_with_one_sentence(string expected, string[] args)
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, args);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.StartsWith("striper: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_config_file_should_exit_2_naming_it()
    {
        var path = Path.Combine(_directory, "nope.conf");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        Assert.Equal(2, code);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("striper {\n  stripez = 4\n}\n", "bad.conf:2: unknown setting 'striper.stripez'")]
    [InlineData("striper.stripes = 4\nstriper.chunk-size = huge\n", "bad.conf:2")]
    [InlineData("striper.stripes = 0\n", "bad.conf:1: striper.stripes must be between 1 and 256")]
    [InlineData("striper.log.level = chatty\n", "bad.conf:1: striper.log.level must be one of")]
    [InlineData("striper { stripes = 4\n", "bad.conf")]
    public async Task Bad_config_file_should_exit_2_with_file_and_line(string text, string expected)
    {
        var path = Path.Combine(_directory, "bad.conf");
        await File.WriteAllTextAsync(path, text);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Address_in_use_should_exit_1_naming_the_address()
    {
        await using var occupied = new TestTarget(_ => Task.CompletedTask);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", occupied.EndPoint.ToString(), "127.0.0.1:22");

        Assert.Equal(1, code);
        Assert.Contains($"cannot listen on {occupied.EndPoint}", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
