using System.Diagnostics;
using System.Text;

namespace Striper.Tests.Lab;

/// <summary>
/// A program running inside a lab namespace (<c>ip netns exec</c>, which execs it, so killing this process
/// kills the program). Output is kept for failure messages; disposing kills it if it still runs.
/// </summary>
public sealed class NamespaceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NamespaceProcess(Process process)
    {
        _process = process;
    }

    public string Description { get; private init; } = "";

    /// <summary>Everything the program wrote to standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static NamespaceProcess Start(string ns, string file, params string[] args)
    {
        var info = new ProcessStartInfo(LabShell.FindTool("ip") ?? "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["netns", "exec", ns, file, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var wrapper = new NamespaceProcess(process) { Description = $"{file} {string.Join(' ', args)} (in {ns})" };
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Starts the striper program built next to the tests, with dotnet, inside the namespace.</summary>
    public static NamespaceProcess StartStriper(string ns, params string[] args) =>
        Start(ns, LabShell.FindTool("dotnet") ?? "dotnet", [Path.Combine(AppContext.BaseDirectory, "striper.dll"), .. args]);

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the program to exit; returns its exit code, or throws (with its output) on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Description} did not exit within {timeout}; output:\n{Output}");
        }

        // Let the asynchronous readers drain the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
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

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
