using System.Diagnostics;
using System.Text;
using Striper.Tests.Lab;

namespace Striper.Tests.Support;

/// <summary>
/// A program the tests run as a separate process: the real <c>striper</c> built next to the tests, or any program
/// inside a lab network namespace (<c>ip netns exec</c> execs it, so killing this process kills the program).
/// Its output is kept for assertions and failure messages; waits are bounded; disposing kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _all = new();

    private ChildProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    public string Description { get; }

    public string StandardOutput => Read(_stdout);

    public string StandardError => Read(_stderr);

    /// <summary>Standard output and error, interleaved as they arrived.</summary>
    public string Output => Read(_all);

    public bool HasExited => _process.HasExited;

    private static string StriperDll => Path.Combine(AppContext.BaseDirectory, "striper.dll");

    public static ChildProcess StartStriper(params string[] args) =>
        Start("striper " + string.Join(' ', args), "dotnet", [StriperDll, .. args]);

    /// <summary>
    /// Starts striper with standard input read from <paramref name="stdinPath"/> and standard output written to
    /// <paramref name="stdoutPath"/> (binary-safe: the shell redirects them, not this class); standard error is kept.
    /// </summary>
    public static ChildProcess StartStriperWithFiles(string stdinPath, string stdoutPath, params string[] args) =>
        Start(
            $"striper {string.Join(' ', args)} < {stdinPath} > {stdoutPath}",
            "/bin/sh",
            ["-c", "in=$1; out=$2; shift 2; exec \"$@\" <\"$in\" >\"$out\"", "sh", stdinPath, stdoutPath, LabShell.FindTool("dotnet") ?? "dotnet", StriperDll, .. args]);

    /// <summary>Runs striper to completion (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunStriperAsync(TimeSpan timeout, params string[] args)
    {
        await using var process = StartStriper(args);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process.StandardOutput, process.StandardError);
    }

    /// <summary>Runs striper to completion with extra environment variables (through env(1), so this process's stay as they are).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunStriperWithEnvironmentAsync(
        TimeSpan timeout, IReadOnlyDictionary<string, string> variables, params string[] args)
    {
        await using var process = Start(
            $"{string.Join(' ', variables.Select(v => $"{v.Key}={v.Value}"))} striper {string.Join(' ', args)}",
            "env",
            [.. variables.Select(v => $"{v.Key}={v.Value}"), LabShell.FindTool("dotnet") ?? "dotnet", StriperDll, .. args]);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process.StandardOutput, process.StandardError);
    }

    public static ChildProcess StartInNamespace(string ns, string file, params string[] args) =>
        Start($"{file} {string.Join(' ', args)} (in {ns})", LabShell.FindTool("ip") ?? "ip", ["netns", "exec", ns, file, .. args]);

    /// <summary>As <see cref="StartInNamespace"/>, with standard input left open for <see cref="WriteLineAsync"/> (someone typing).</summary>
    public static ChildProcess StartInteractiveInNamespace(string ns, string file, params string[] args) =>
        Start($"{file} {string.Join(' ', args)} (in {ns})", LabShell.FindTool("ip") ?? "ip", ["netns", "exec", ns, file, .. args], interactive: true);

    /// <summary>Writes a line to the standard input of a process started interactive.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Ends the standard input of a process started interactive.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits until standard output has a line equal to <paramref name="line"/>; false if the time runs out first.</summary>
    public async Task<bool> WaitForLineAsync(string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!StandardOutput.Split('\n').Any(l => l.TrimEnd('\r') == line))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                return false;
            }

            await Task.Delay(25);
        }

        return true;
    }

    /// <summary>Starts the striper program built next to the tests, with dotnet, inside the namespace.</summary>
    public static ChildProcess StartStriperInNamespace(string ns, params string[] args) =>
        StartInNamespace(ns, LabShell.FindTool("dotnet") ?? "dotnet", [StriperDll, .. args]);

    /// <summary>Waits for the program to exit; returns its exit code, or kills it and throws (with its output) on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Description} did not exit within {timeout}; output:\n{Output}");
        }

        // Let the asynchronous readers drain the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until standard error contains the fragment (for "listening on ...").</summary>
    public async Task WaitForLogAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!StandardError.Contains(fragment, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"{Description} never logged '{fragment}'; stderr:\n{StandardError}");
            }

            await Task.Delay(25);
        }
    }

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill?.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static ChildProcess Start(string description, string fileName, IEnumerable<string> args, bool interactive = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = interactive,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process, description);
        process.OutputDataReceived += (_, e) => child.Append(child._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(child._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }

    private void Append(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (stream)
        {
            stream.AppendLine(line);
        }

        lock (_all)
        {
            _all.AppendLine(line);
        }
    }
}
