using System.Net;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>Where the control endpoint listens and who may read it: the safe default, the token, and every way of getting it wrong.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlSettingsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("striper-control-").FullName;

    [Fact]
    public async Task A_non_loopback_control_address_without_a_token_should_exit_2_naming_the_setting()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", Listen(), "127.0.0.1:22", "--control", $"0.0.0.0:{Ports.Free()}");

        Assert.Equal(2, code);
        Assert.Contains("would show every connection to anyone who reaches it: set striper.control.token-file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_control_address_should_exit_2_naming_the_option()
    {
        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", Listen(), "127.0.0.1:22", "--control", "nowhere");

        Assert.Equal(2, code);
        Assert.Contains("--control must be auto, off or HOST:PORT, got 'nowhere'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_control_address_in_use_should_exit_1_naming_it()
    {
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var address = taken.LocalEndPoint!.ToString();

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", Listen(), "127.0.0.1:22", "--control", address!);

        Assert.Equal(1, code);
        Assert.Contains($"cannot serve the control endpoint on {address}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_off_should_serve_nothing()
    {
        await using var server = ChildProcess.StartStriper("-s", Listen(), "127.0.0.1:22", "--control", "off");
        await server.WaitForLogAsync("server proxy listening", Timeout);

        Assert.DoesNotContain("control endpoint", server.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_should_be_required_of_every_request_and_accepted_from_status()
    {
        var token = Path.Combine(_directory, "control.token");
        await File.WriteAllTextAsync(token, "let-me-see\n");
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(_directory, "striper.conf");
        await File.WriteAllTextAsync(config, $"striper.control.token-file = \"{token}\"\n");
        var control = $"127.0.0.1:{Ports.Free()}";
        await using var server = ChildProcess.StartStriper("-s", Listen(), "127.0.0.1:22", "--config", config, "--control", control);
        await server.WaitForLogAsync("control endpoint on", Timeout);
        using var http = new HttpClient();

        using var bare = await http.GetAsync($"http://{control}/api/status");
        using var wrong = await http.GetAsync($"http://{control}/metrics?token=let-me-in");
        using var query = await http.GetAsync($"http://{control}/api/status?token=let-me-see");
        var (without, _, withoutErr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", control);
        var (with, stdout, withErr) = await ChildProcess.RunStriperAsync(Timeout, "status", "--control", control, "--token-file", token);

        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.Equal(1, without);
        Assert.Contains("wants its token: give --token-file FILE", withoutErr, StringComparison.Ordinal);
        Assert.True(with == 0, withErr);
        Assert.StartsWith("server proxy 127.0.0.1:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_file_others_can_read_should_exit_2_saying_chmod_600()
    {
        var token = Path.Combine(_directory, "open.token");
        await File.WriteAllTextAsync(token, "let-me-see\n");
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var config = Path.Combine(_directory, "open.conf");
        await File.WriteAllTextAsync(config, $"striper.control.token-file = \"{token}\"\n");

        var (code, _, stderr) = await ChildProcess.RunStriperAsync(Timeout, "-s", Listen(), "127.0.0.1:22", "--config", config, "--control", $"127.0.0.1:{Ports.Free()}");

        Assert.Equal(2, code);
        Assert.Contains($"control token file {token} is readable or writable by group or others (mode 604); run 'chmod 600 {token}'", stderr, StringComparison.Ordinal);
    }

    private static string Listen() => $"127.0.0.1:{Ports.Free()}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
