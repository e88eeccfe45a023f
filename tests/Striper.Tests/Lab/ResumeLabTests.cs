using System.Diagnostics;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Lab;

/// <summary>
/// The network between the proxies goes away for 20 seconds (the client's end of the lab's link is taken down, so
/// every packet is lost and no new connection gets through) while a bulk transfer runs each way and someone types
/// into an ssh session, and the client comes back with another address, as a laptop on another Wi-Fi does: no
/// substream can carry on. They die (the kernel gives them up after substream-timeout), the sessions wait within
/// their resume window, the client re-dials from its new address, and both transfers and the ssh session carry on
/// intact.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class ResumeLabTests : IDisposable
{
    private const string Rate = "40mbit";
    private const int BulkServerPort = 7000;
    private const int BulkClientPort = 7001;
    private const int SshServerPort = 7002;
    private const int SshClientPort = 7003;
    private const int TargetPort = 5401;
    private const int SshdPort = 2222;
    private const int Size = 256 * 1024 * 1024;
    private const string NewClientAddress = "10.77.0.3";

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);
    private static readonly string Socat = LabShell.FindTool("socat") ?? "socat";

    private readonly ITestOutputHelper _output;
    private readonly string _directory;

    public ResumeLabTests(ITestOutputHelper output)
    {
        _output = output;
        _directory = Directory.CreateTempSubdirectory("striper-resume-").FullName;
    }

    [LabFact("sshd", "ssh", "ssh-keygen")]
    public async Task Transfers_and_an_ssh_session_should_survive_twenty_seconds_without_any_network()
    {
        await using var lab = await NetLab.StartAsync("r", Rate);
        var up = WriteData("up.bin", seed: 81);
        var down = WriteData("down.bin", seed: 82);

        await using var bulkServer = StartServerProxy(lab, BulkServerPort, TargetPort);
        await using var bulkClient = StartClientProxy(lab, BulkClientPort, BulkServerPort);
        await using var sshServer = StartServerProxy(lab, SshServerPort, SshdPort);
        await using var sshClient = StartClientProxy(lab, SshClientPort, SshServerPort);
        await using var sshd = await StartSshdAsync(lab);
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, BulkServerPort, Timeout);
        await NetLab.WaitForListenerAsync(lab.ClientNamespace, BulkClientPort, Timeout);
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, SshServerPort, Timeout);
        await NetLab.WaitForListenerAsync(lab.ClientNamespace, SshClientPort, Timeout);
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, SshdPort, Timeout);

        // Someone logs in (through the tunnel) and types; `cat` on the far side echoes every line.
        await using var ssh = ChildProcess.StartInteractiveInNamespace(
            lab.ClientNamespace,
            LabShell.FindTool("ssh") ?? "ssh",
            "-i", Path.Combine(_directory, "user_key"), "-p", LabFiles.Invariant(SshClientPort),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            "root@127.0.0.1", "cat");
        await TypeAsync(ssh, "typed before the outage", sshClient);

        // Each end sends its file and keeps what it receives (socat's read!!write), both directions at once.
        await using var target = ChildProcess.StartInNamespace(
            lab.ServerNamespace, Socat, "-t", "120", $"TCP-LISTEN:{TargetPort},bind=127.0.0.1,reuseaddr", $"OPEN:{down}!!CREATE:{Sink("up.out")}");
        await NetLab.WaitForListenerAsync(lab.ServerNamespace, TargetPort, Timeout);
        var clock = Stopwatch.StartNew();
        await using var app = ChildProcess.StartInNamespace(
            lab.ClientNamespace, Socat, "-t", "120", $"OPEN:{up}!!CREATE:{Sink("down.out")}", $"TCP:127.0.0.1:{BulkClientPort}");

        // A quarter or so of each file is through when the network goes.
        await WaitForAsync(() => Length("up.out") > Size / 8 && Length("down.out") > Size / 8, TimeSpan.FromSeconds(30), "both directions to be under way");
        var before = (Length("up.out"), Length("down.out"));
        await lab.SetLinkAsync(up: false);
        var cutAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await ssh.WriteLineAsync("typed during the outage");
        await lab.ReaddressClientAsync(NewClientAddress);
        await Task.Delay(Outage - TimeSpan.FromSeconds(2));
        var during = (Length("up.out"), Length("down.out"));
        await lab.SetLinkAsync(up: true);
        _output.WriteLine(
            $"link down at {cutAt.TotalSeconds:F1}s for {Outage.TotalSeconds:0}s; bytes received up/down at the cut: {before}, when it came back: {during}");

        // What was typed in the dark arrives once the substreams are back, then the session goes on as before.
        Assert.True(await ssh.WaitForLineAsync("typed during the outage", TimeSpan.FromSeconds(30)), $"the ssh session lost a line typed during the outage:\n{ssh.Output}\n{sshClient.Output}");

        // The ssh session's substreams now come from the client's new address.
        var (_, sockets, _) = await LabShell.RunAsync(
            "ip", ["netns", "exec", lab.ServerNamespace, "ss", "-Htn", "state", "established", $"( sport = :{SshServerPort} )"], TimeSpan.FromSeconds(30));
        Assert.Contains(NewClientAddress + ":", sockets, StringComparison.Ordinal);
        await TypeAsync(ssh, "typed after the outage", sshClient);
        ssh.CloseInput();
        Assert.Equal(0, await ssh.WaitForExitAsync(Timeout));
        Assert.Equal(["typed before the outage", "typed during the outage", "typed after the outage"], Lines(ssh.StandardOutput));

        Assert.True(await app.WaitForExitAsync(Timeout) == 0, $"{app.Description} failed:\n{app.Output}\n{bulkClient.Output}");
        Assert.True(await target.WaitForExitAsync(Timeout) == 0, $"{target.Description} failed:\n{target.Output}\n{bulkServer.Output}");
        _output.WriteLine($"256 MiB each way with a {Outage.TotalSeconds:0}s outage: {clock.Elapsed.TotalSeconds:F1}s");
        LabFiles.AssertSameBytes(up, Sink("up.out"));
        LabFiles.AssertSameBytes(down, Sink("down.out"));

        // The outage was real: every substream went, and the sessions said they resumed.
        foreach (var proxy in new[] { bulkClient, sshClient, bulkServer, sshServer })
        {
            Assert.Contains("every substream is down", proxy.Output, StringComparison.Ordinal);
            Assert.Contains("resumed after", proxy.Output, StringComparison.Ordinal);
            _output.WriteLine(string.Join('\n', Lines(proxy.Output).Where(l => l.Contains("resumed after", StringComparison.Ordinal))));
        }

        Assert.True(during.Item1 - before.Item1 < Size / 4, $"{during.Item1 - before.Item1} bytes arrived upstream while the link was down: it was not down");
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    private static ChildProcess StartServerProxy(NetLab lab, int listenPort, int targetPort) =>
        ChildProcess.StartStriperInNamespace(
            lab.ServerNamespace, "-s", $"{NetLab.ServerAddress}:{listenPort}", $"127.0.0.1:{targetPort}", "--insecure", "--control", "off");

    private static ChildProcess StartClientProxy(NetLab lab, int listenPort, int serverPort) =>
        ChildProcess.StartStriperInNamespace(
            lab.ClientNamespace, "-c", $"127.0.0.1:{listenPort}", NetLab.ServerAddress, LabFiles.Invariant(serverPort), "--stripes", "8", "--control", "off");

    /// <summary>An sshd of its own in the server namespace: its own host key, one authorized key, no PAM.</summary>
    private async Task<ChildProcess> StartSshdAsync(NetLab lab)
    {
        var keygen = LabShell.FindTool("ssh-keygen") ?? "ssh-keygen";
        foreach (var key in new[] { "host_key", "user_key" })
        {
            var (code, _, stderr) = await LabShell.RunAsync(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(_directory, key)], TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"ssh-keygen failed: {stderr}");
        }

        File.Copy(Path.Combine(_directory, "user_key.pub"), Path.Combine(_directory, "authorized_keys"));
        var config = Path.Combine(_directory, "sshd_config");
        File.WriteAllLines(config, [
            $"Port {SshdPort}",
            "ListenAddress 127.0.0.1",
            $"HostKey {Path.Combine(_directory, "host_key")}",
            $"AuthorizedKeysFile {Path.Combine(_directory, "authorized_keys")}",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            "PidFile none",
        ]);

        // sshd insists on its privilege separation directory.
        Directory.CreateDirectory("/run/sshd");
        return ChildProcess.StartInNamespace(lab.ServerNamespace, LabShell.FindTool("sshd") ?? "/usr/sbin/sshd", "-D", "-e", "-f", config);
    }

    private static async Task TypeAsync(ChildProcess ssh, string line, ChildProcess proxy)
    {
        await ssh.WriteLineAsync(line);
        Assert.True(
            await ssh.WaitForLineAsync(line, TimeSpan.FromSeconds(30)),
            $"'{line}' was not echoed by the ssh session:\n{ssh.Output}\nclient proxy:\n{proxy.Output}");
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {timeout.TotalSeconds:0}s for {what}");
            await Task.Delay(20);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private string WriteData(string name, int seed)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, TestData.Random(Size, seed));
        return path;
    }

    private string Sink(string name) => Path.Combine(_directory, name);

    private long Length(string name) => File.Exists(Sink(name)) ? new FileInfo(Sink(name)).Length : 0;
}
