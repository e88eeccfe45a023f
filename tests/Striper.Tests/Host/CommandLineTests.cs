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
        foreach (var expected in new[] { "-c", "-s", "demo", "--stripes", "--congestion-control", "--config", "-v", "-q", "[::1]:22222", "ssh -p 11111 localhost" })
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
    [InlineData("Unrecognized command or argument '--frobnicate'", new[] { "--frobnicate" })]
    [InlineData("Unrecognized option '--stripe'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripe", "4" })]
    [InlineData("Unrecognized option '--bogus'", new[] { "-s", "127.0.0.1:1", "--bogus" })]
    [InlineData("Required argument missing for option: '-c'", new[] { "-c", "127.0.0.1:1" })]
    [InlineData("Required argument missing for option: '-s'", new[] { "-s", "127.0.0.1:1" })]
    [InlineData("Required argument missing for option: '--stripes'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes" })]
    [InlineData("Required argument missing for option: '--config'", new[] { "-c", "127.0.0.1:1", "h:2", "--config" })]
    [InlineData("--stripes must be auto or a whole number from 1 to 256, got 'many'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "many" })]
    [InlineData("--stripes must be auto or a whole number from 1 to 256, got '2.5'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "2.5" })]
    [InlineData("--stripes must be auto or a whole number from 1 to 256, got '0'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "0" })]
    [InlineData("--stripes must be auto or a whole number from 1 to 256, got '257'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "257" })]
    [InlineData("--stripes must be auto or a whole number from 1 to 256, got '-1'", new[] { "-c", "127.0.0.1:1", "h:2", "--stripes", "-1" })]
    [InlineData("port 'ssh' is not a number", new[] { "-c", "127.0.0.1:1", "host", "ssh" })]
    [InlineData("TARGET: 'localhost' is not host:port", new[] { "-s", "127.0.0.1:22222", "localhost" })]
    [InlineData("PEERHOST:PEERPORT: ':80' is not host:port", new[] { "-c", "127.0.0.1:1", ":80" })]
    [InlineData("PEERHOST:PEERPORT: 'h:0': port '0' is not a number from 1 to 65535", new[] { "-c", "127.0.0.1:1", "h:0" })]
    [InlineData("PEERHOST:PEERPORT: 'h:65536': port '65536' is not a number from 1 to 65535", new[] { "-c", "127.0.0.1:1", "h:65536" })]
    [InlineData("write it as [address]:port", new[] { "-s", "::1:22222", "127.0.0.1:22" })]
    [InlineData("PEERHOST:PEERPORT: '[::1' is not [IPv6]:port", new[] { "-c", "127.0.0.1:1", "[::1" })]
    [InlineData("PEERHOST:PEERPORT: '[::1]' is not [IPv6]:port", new[] { "-c", "127.0.0.1:1", "[::1]" })]
    [InlineData("LISTEN: '[::1]:99999': port '99999' is not a number from 1 to 65535", new[] { "-c", "[::1]:99999", "h:2" })]
    [InlineData("LISTEN: 'zz::1' in '[zz::1]:80' is not an IPv6 address", new[] { "-c", "[zz::1]:80", "h:2" })]
    [InlineData("LISTEN: cannot resolve 'no-such-host.invalid'", new[] { "-c", "no-such-host.invalid:1", "h:2" })]
    [InlineData("--size must be a size above zero such as 64MiB or 1GiB, got 'lots'", new[] { "demo", "--size", "lots" })]
    [InlineData("--size must be a size above zero such as 64MiB or 1GiB, got '10XB'", new[] { "demo", "--size", "10XB" })]
    [InlineData("--size must be a size above zero such as 64MiB or 1GiB, got '-5'", new[] { "demo", "--size", "-5" })]
    [InlineData("--transport must be tcp, msp or tcp,msp, got 'udp'", new[] { "-c", "127.0.0.1:1", "h:2", "--transport", "udp" })]
    [InlineData("--transport must be tcp, msp or tcp,msp, got 'msp,msp'", new[] { "-s", "127.0.0.1:1", "h:2", "--transport", "msp,msp" })]
    [InlineData("--transport must be tcp, msp or tcp,msp, got 'tcp,'", new[] { "-c", "127.0.0.1:1", "h:2", "--transport", "tcp," })]
    [InlineData("Required argument missing for option: '--transport'", new[] { "-c", "127.0.0.1:1", "h:2", "--transport" })]
    [InlineData("--congestion-control must be system, cubic, bbr or reno, got 'vegas'", new[] { "-c", "127.0.0.1:1", "h:2", "--congestion-control", "vegas" })]
    [InlineData("--congestion-control must be system, cubic, bbr or reno, got ''", new[] { "-s", "127.0.0.1:1", "h:2", "--congestion-control", "" })]
    [InlineData("-c and -s cannot be used together", new[] { "-c", "127.0.0.1:1", "h:2", "-s", "127.0.0.1:3", "h:4" })]
    [InlineData("-v and -q cannot be used together", new[] { "-c", "127.0.0.1:1", "h:2", "-v", "-q" })]
    [InlineData("-v and -q cannot be used together", new[] { "demo", "-q", "-v" })]
    public async Task Bad_command_line_should_exit_2_with_one_sentence(string expected, string[] args)
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, args);

        AssertOneSentence(code, stderr, expected);
    }

    [Fact]
    public async Task Missing_config_file_should_exit_2_naming_it()
    {
        var path = Path.Combine(_directory, "nope.conf");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        AssertOneSentence(code, stderr, $"config file not found: {path}");
    }

    [Fact]
    public async Task Config_path_that_is_a_directory_should_exit_2_saying_so()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", _directory);

        AssertOneSentence(code, stderr, $"config file {_directory} is a directory, not a file");
    }

    [Fact]
    public async Task Unreadable_config_file_should_exit_2_naming_it()
    {
        // The tests may run as root, whom permissions do not stop; /proc/self/mem exists but fails every read at offset 0.
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", "/proc/self/mem");

        AssertOneSentence(code, stderr, "could not read config file /proc/self/mem");
    }

    [Fact]
    public async Task Binary_config_file_should_exit_2_naming_it()
    {
        var path = Path.Combine(_directory, "binary.conf");
        await File.WriteAllBytesAsync(path, [0x61, 0x20, 0x3D, 0x20, 0xFF, 0xFE, 0x00]);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        AssertOneSentence(code, stderr, $"{path}: not a text file (it is not valid UTF-8)");
    }

    [Theory]
    [InlineData("striper {\n  stripez = 4\n}\n", "bad.conf: unknown setting 'striper.stripez'")]
    [InlineData("frobnicate = yes\n", "bad.conf: unknown setting 'frobnicate'")]
    [InlineData("striper.stripes = 4\nstriper.chunk-size = huge\n", "bad.conf: striper.chunk-size must be a size like 64KiB, got 'huge'")]
    [InlineData("striper {\n  stripes = [1, 2]\n}\n", "bad.conf: striper.stripes must be an integer, got a list")]
    [InlineData("striper.stripes = \"four\"\n", "bad.conf: striper.stripes must be an integer, got 'four'")]
    [InlineData("striper.stripes = \"many\"\n", "bad.conf: striper.stripes must be an integer, got 'many'")]
    [InlineData("striper.stripes = 0\n", "bad.conf: striper.stripes must be between 1 and 256")]
    [InlineData("striper.chunk-size = 0\n", "bad.conf: striper.chunk-size must be between 1024 and 1048576 bytes, got 0")]
    [InlineData("striper.chunk-size = -64KiB\n", "bad.conf: striper.chunk-size must be between 1024 and 1048576 bytes, got -65536")]
    [InlineData("striper.memory-limit = 64MiB\n", "bad.conf: striper.memory-limit must be at least 128MiB (96MiB of it is left to the runtime, the rest holds data), got 67108864 bytes")]
    [InlineData("striper.log.level = chatty\n", "bad.conf: striper.log.level must be one of")]
    [InlineData("striper.transport = quic\n", "bad.conf: striper.transport must be tcp, msp or tcp,msp, got 'quic'")]
    [InlineData("striper.tcp.congestion-control = vegas\n", "bad.conf: striper.tcp.congestion-control must be system, cubic, bbr or reno, got 'vegas'")]
    [InlineData("striper.mdp.pacing = sometimes\n", "bad.conf: unknown setting 'striper.mdp.pacing'")]
    [InlineData("striper.msp.pacing = sometimes\n", "bad.conf: striper.msp.pacing must be on or off")]
    [InlineData("striper { stripes = 4\n", "bad.conf:2: unclosed '{' opened at line 1")]
    [InlineData("a = 1\nb = [1, 2\n", "bad.conf:3: unclosed '[' opened at line 2")]
    [InlineData("striper.mdp.peers = [\"a:1\"\nstriper.stripes = 2\n", "bad.conf:2: '=' inside the list opened at line 1 (is a ']' missing?)")]
    [InlineData("striper.stripes = ${nowhere}\n", "bad.conf:1: unresolved substitution ${nowhere}")]
    [InlineData("striper.stripes = ${striper.stripes}\n", "bad.conf: striper.stripes refers to itself through a substitution")]
    [InlineData("a = 1\nb = @@@\n", "bad.conf:2: Unknown token")]
    public async Task Bad_config_file_should_exit_2_naming_the_file_and_the_key_or_line(string text, string expected)
    {
        var path = Path.Combine(_directory, "bad.conf");
        await File.WriteAllTextAsync(path, text);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        AssertOneSentence(code, stderr, Path.Combine(_directory, expected));
    }

    [Fact]
    public async Task Setting_that_conflicts_with_a_default_should_name_the_users_file()
    {
        // Found by the settings fuzzer: the error named only the built-in line of chunk-size, not what the user wrote.
        var path = Path.Combine(_directory, "small.conf");
        await File.WriteAllTextAsync(path, "striper.max-frame-payload = 1KiB\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        AssertOneSentence(code, stderr, $"{path}: chunk-size (262144 bytes) must not exceed max-frame-payload (1024 bytes)");
    }

    [Fact]
    public async Task Bad_value_from_an_environment_variable_should_exit_2_naming_the_key()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperWithEnvironmentAsync(
            Timeout, new Dictionary<string, string> { ["STRIPER_STRIPES"] = "many" }, "-c", "127.0.0.1:9", "h:2");

        AssertOneSentence(code, stderr, "striper.stripes.count must be auto or a whole number from 1 to 256, got 'many'");
    }

    [Fact]
    public async Task Bad_congestion_control_from_its_environment_variable_should_exit_2_naming_the_key()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperWithEnvironmentAsync(
            Timeout, new Dictionary<string, string> { ["STRIPER_TCP_CONGESTION_CONTROL"] = "fast" }, "-c", "127.0.0.1:9", "h:2");

        AssertOneSentence(code, stderr, "striper.tcp.congestion-control must be system, cubic, bbr or reno, got 'fast'");
    }

    [Fact]
    public async Task Akka_block_in_the_config_file_should_not_be_refused_but_a_bad_striper_value_beside_it_should()
    {
        var path = Path.Combine(_directory, "akka.conf");
        await File.WriteAllTextAsync(path, "akka {\n  actor.default-dispatcher.throughput = 7\n  whatever-akka-ignores = 1\n}\nstriper.stripes = 0\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        // The akka block passes the unknown-key check; the run then stops at the first bad striper setting.
        AssertOneSentence(code, stderr, $"{path}: striper.stripes must be between 1 and 256");
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

    /// <summary>
    /// Exit code 2, and standard error is one line holding one sentence that names the problem (no stack trace,
    /// no second sentence), followed only by the hint to ask for help.
    /// </summary>
    private static void AssertOneSentence(int code, string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.True(code == 2, $"exit code {code}, stderr:\n{stderr}");
        Assert.True(lines.Length == 2, $"expected one sentence and the help hint, got:\n{stderr}");
        Assert.StartsWith("striper: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[.!?] +[A-Z]", lines[0]["striper: ".Length..]);
        Assert.Equal("Try 'striper --help'.", lines[1]);
    }
}
