using System.Globalization;

namespace Striper.Tests.Lab;

/// <summary>
/// A lab of two network namespaces made by bench/netlab.sh (copied next to the tests), under a prefix of its
/// own so that tests and benchmarks never share namespaces. Disposing removes it, whatever the test did.
/// </summary>
public sealed class NetLab : IAsyncDisposable
{
    public const string ClientAddress = "10.77.0.1";
    public const string ServerAddress = "10.77.0.2";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Lab", "netlab.sh");

    private readonly Dictionary<string, string> _environment;

    private NetLab(string prefix, string? pathRate)
    {
        Prefix = prefix;
        _environment = new Dictionary<string, string>
        {
            ["LAB_PREFIX"] = prefix,
            ["LAB_CLIENT_ADDR"] = ClientAddress,
            ["LAB_SERVER_ADDR"] = ServerAddress,
        };
        if (pathRate is not null)
        {
            _environment["LAB_PATH_RATE"] = pathRate;
        }
    }

    public string Prefix { get; }

    /// <summary>The application's side: the client proxy and the data source run here.</summary>
    public string ClientNamespace => Prefix + "c";

    /// <summary>The target's side: the server proxy and the data sink run here.</summary>
    public string ServerNamespace => Prefix + "s";

    /// <summary>
    /// Brings up a lab whose every flow is capped at <paramref name="rate"/> (netlab.sh syntax, e.g. 40mbit), and all of
    /// them together at <paramref name="pathRate"/> when given (a path's capacity). With <paramref name="links"/>, the
    /// hosts are joined by one emulated WAN link per entry (netlab.sh's --link SPEC, e.g. "delay=25ms,loss=1%")
    /// instead of the veth; link 0 keeps <see cref="ClientAddress"/> and <see cref="ServerAddress"/>.
    /// </summary>
    public static async Task<NetLab> StartAsync(string tag, string rate, string? pathRate = null, IReadOnlyList<string>? links = null)
    {
        // The process id keeps two test runs on one machine apart; the tag keeps tests of one run apart.
        await RemoveLabsOfDeadRunsAsync();
        var lab = new NetLab(string.Create(CultureInfo.InvariantCulture, $"sl{Environment.ProcessId}{tag}"), pathRate);
        try
        {
            await lab.ScriptAsync(["up", rate, .. (links ?? []).SelectMany(spec => new[] { "--link", spec })]);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A test run that was killed (a hang timeout, a cancelled CI job) cannot dispose its labs; its namespaces carry
    /// its process id, so the next run removes those whose process is gone before they pile up.
    /// </summary>
    private static async Task RemoveLabsOfDeadRunsAsync()
    {
        var (_, stdout, _) = await LabShell.RunAsync("ip", ["netns", "list"], CommandTimeout);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            var match = System.Text.RegularExpressions.Regex.Match(name, "^sl([0-9]+)[a-z]*[cs]$");
            if (match.Success && !Directory.Exists("/proc/" + match.Groups[1].Value))
            {
                await LabShell.RunAsync("ip", ["netns", "del", name], CommandTimeout);
            }
        }
    }

    /// <summary>Waits until something listens on <paramref name="port"/> in the namespace.</summary>
    public static async Task WaitForListenerAsync(string ns, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var filter = string.Create(CultureInfo.InvariantCulture, $"sport = :{port}");
        while (true)
        {
            var (_, stdout, _) = await LabShell.RunAsync("ip", ["netns", "exec", ns, "ss", "-Hltn", filter], CommandTimeout);
            if (!string.IsNullOrWhiteSpace(stdout))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing listened on port {port} in {ns} within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Takes the client's end of the link down (the network between the hosts is gone) or brings it back.</summary>
    public Task SetLinkAsync(bool up) => ScriptAsync("link", up ? "up" : "down");

    /// <summary>Gives the client a new address in place of its old one: what was connected from the old one is dead for good.</summary>
    public Task ReaddressClientAsync(string address) => ScriptAsync("readdress", address);

    /// <summary>Changes a WAN link while it runs (netlab.sh wan): <paramref name="link"/> is its number or "all".</summary>
    public Task SetWanAsync(string link, string spec) => ScriptAsync("wan", link, spec);

    /// <summary>The WAN emulator's counters, one line per link and direction, as key=value pairs (netlab.sh wan-stats).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> WanStatsAsync()
    {
        var stdout = await ScriptAsync("wan-stats");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (IReadOnlyDictionary<string, string>)line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : ""))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await ScriptAsync("down");
    }

    private async Task<string> ScriptAsync(params string[] args)
    {
        var (code, stdout, stderr) = await LabShell.RunAsync("bash", [Script, .. args], CommandTimeout, _environment);
        if (code != 0)
        {
            throw new InvalidOperationException($"netlab.sh {string.Join(' ', args)} exited {code}\n{stdout}\n{stderr}");
        }

        return stdout;
    }
}
