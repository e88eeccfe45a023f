using Striper.Actors.Security;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>The shared secret as users meet it: making one, giving it to the proxies, and every way of getting it wrong.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretCommandLineTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-secret-cli-").FullName;

    [Fact]
    public async Task Secret_should_print_a_new_pasteable_secret_each_time()
    {
        var (code, first, _) = await ChildProcess.RunStriperAsync(Timeout, "secret");
        var (_, second, _) = await ChildProcess.RunStriperAsync(Timeout, "secret");

        Assert.Equal(0, code);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first.Trim());
        Assert.NotEqual(first, second);
        Assert.True(SharedSecret.TryParse(first, out _, out var error), error);
    }

    [Fact]
    public async Task Secret_out_should_create_an_owner_only_file_and_never_overwrite_one()
    {
        var path = Path.Combine(_directory, "striper.secret");

        var (code, stdout, _) = await ChildProcess.RunStriperAsync(Timeout, "secret", "--out", path);
        var (again, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "secret", "--out", path);

        Assert.Equal(0, code);
        Assert.Empty(stdout.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.NotNull(SecretFile.Load(path));
        Assert.Equal(2, again);
        Assert.Contains($"cannot create secret file {path}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_file_others_can_read_should_exit_2_saying_chmod_600()
    {
        var path = Path.Combine(_directory, "open.secret");
        await File.WriteAllTextAsync(path, SharedSecret.GenerateText());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", "127.0.0.1:9", "127.0.0.1:9", "--secret-file", path);

        Assert.Equal(2, code);
        Assert.Contains($"secret file {path} is readable or writable by group or others (mode 644); run 'chmod 600 {path}'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_file_named_in_the_config_should_be_checked_the_same_way()
    {
        var path = Path.Combine(_directory, "open.secret");
        await File.WriteAllTextAsync(path, SharedSecret.GenerateText());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var config = Path.Combine(_directory, "striper.conf");
        await File.WriteAllTextAsync(config, $"striper.secret-file = \"{path}\"\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", config);

        Assert.Equal(2, code);
        Assert.Contains($"run 'chmod 600 {path}'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_and_server_processes_with_a_secret_file_should_carry_a_transfer()
    {
        const long size = 4L * 1024 * 1024;
        var secret = Path.Combine(_directory, "striper.secret");
        SecretFile.Create(secret, SharedSecret.GenerateText());
        await using var target = new HashingTarget(size, seed: 21);
        var serverPort = FreePort();
        var clientPort = FreePort();
        await using var server = ChildProcess.StartStriper("-s", $"127.0.0.1:{serverPort}", target.EndPoint.ToString(), "--secret-file", secret);
        await server.WaitForLogAsync("substreams authenticated and encrypted", Timeout);
        await using var client = ChildProcess.StartStriper(
            "-c", $"127.0.0.1:{clientPort}", $"127.0.0.1:{serverPort}", "--secret-file", secret, "--stripes", "3");
        await client.WaitForLogAsync("substreams authenticated and encrypted", Timeout);

        using var app = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await app.ConnectAsync(System.Net.IPAddress.Loopback, clientPort);
        await target.AssertSingleExchangeAsync(app, size, seed: 22, Timeout);

        client.Signal(15);
        server.Signal(15);
        Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("a server without a shared secret would let anyone", new[] { "-s", "0.0.0.0:9", "127.0.0.1:9" })]
    [InlineData("--encrypt (or striper.encrypt = on) needs a shared secret", new[] { "-c", "127.0.0.1:9", "h:2", "--encrypt" })]
    public async Task Unsafe_or_impossible_security_settings_should_exit_2_with_one_sentence(string expected, string[] args)
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, args);

        Assert.Equal(2, code);
        Assert.StartsWith("striper: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsafe_server_should_be_refused_before_its_control_endpoint_is_tried()
    {
        // The control address is taken: were the endpoint tried first, its failure (exit 1) would hide the real mistake.
        await using var occupied = new TestTarget(_ => Task.CompletedTask);

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", "0.0.0.0:9", "127.0.0.1:9", "--control", occupied.EndPoint.ToString());

        Assert.Equal(2, code);
        Assert.StartsWith("striper: a server without a shared secret would let anyone", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_encrypt_value_in_config_should_exit_2_naming_the_file_and_key()
    {
        var path = Path.Combine(_directory, "bad.conf");
        await File.WriteAllTextAsync(path, "striper.encrypt = maybe\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-c", "127.0.0.1:9", "h:2", "--config", path);

        Assert.Equal(2, code);
        Assert.Contains("bad.conf: striper.encrypt must be auto, on or off, got 'maybe'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_with_insecure_should_start_on_a_public_address_and_say_it_is_unauthenticated()
    {
        await using var server = ChildProcess.StartStriper("-s", $"0.0.0.0:{FreePort()}", "127.0.0.1:9", "--insecure");

        await server.WaitForLogAsync("no shared secret: substreams are not authenticated", Timeout);
        server.Signal(15);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Demo_with_encrypt_should_pass()
    {
        var (code, stdout, stderr) = await ChildProcess.RunStriperAsync(Timeout, "demo", "--size", "8MiB", "--encrypt", "--stripes", "3");

        Assert.True(code == 0, $"demo exited {code}\n{stdout}\n{stderr}");
        Assert.Contains("(authenticated, encrypted)", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split(": match").Length - 1);
        Assert.Contains("PASS", stdout, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
