using System.Diagnostics;
using System.Text;

namespace Striper.Tests.Support;

/// <summary>Runs the real <c>striper</c> program (built next to the tests) as a separate process.</summary>
public sealed class StriperProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private StriperProcess(Process process)
    {
        _process = process;
    }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static StriperProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "striper.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var wrapper = new StriperProcess(process);
        process.OutputDataReceived += (_, e) => Append(wrapper._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(wrapper._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        await using var process = Start(args);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process.StandardOutput, process.StandardError);
    }

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
            throw new TimeoutException($"striper did not exit within {timeout}; stderr:\n{StandardError}");
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
                throw new Xunit.Sdk.XunitException($"striper never logged '{fragment}'; stderr:\n{StandardError}");
            }

            await Task.Delay(25);
        }
    }

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
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
}
