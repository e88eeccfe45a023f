using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Striper.Tests.Lab;

namespace Striper.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol (JSON over a WebSocket): evaluate script in the
/// page, take a screenshot. A page that keeps a stream open (the dashboard's Server-Sent Events) never "finishes
/// loading", so --dump-dom and --screenshot cannot wait for it; this can wait for what the test looks for.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> OpenAsync(string url, TimeSpan timeout)
    {
        var profile = Directory.CreateTempSubdirectory("striper-chromium-").FullName;
        // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
        var info = new ProcessStartInfo(LabShell.FindTool("chromium") ?? "chromium")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--window-size=1200,900", url })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var browser = new HeadlessChromium(process, profile);
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            var port = await ReadDevToolsPortAsync(process, cancel.Token);
            using var http = new HttpClient();
            var page = await FindPageAsync(http, port, cancel.Token);
            await browser._socket.ConnectAsync(new Uri(page), cancel.Token);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value (JSON-serializable results only).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await CallAsync("Runtime.evaluate", new { expression, returnByValue = true }, cancellationToken);
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>Polls <paramref name="expression"/> until it is true; returns false if it never was within the timeout.</summary>
    public async Task<bool> WaitUntilAsync(string expression, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!cancel.IsCancellationRequested)
        {
            if (await EvaluateAsync(expression, cancel.Token) is { ValueKind: JsonValueKind.True })
            {
                return true;
            }

            await Task.Delay(200, CancellationToken.None);
        }

        return false;
    }

    public async Task ScreenshotAsync(string path, CancellationToken cancellationToken)
    {
        var result = await CallAsync("Page.captureScreenshot", new { format = "png" }, cancellationToken);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(result.GetProperty("data").GetString()!), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes may race the delete; a leftover temp folder is harmless.
        }
    }

    private static async Task<int> ReadDevToolsPortAsync(Process process, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        while (await process.StandardError.ReadLineAsync(cancellationToken) is { } line)
        {
            seen.AppendLine(line);
            if (DevToolsLine().Match(line) is { Success: true } match)
            {
                // Keep draining its log so Chromium never blocks on a full pipe.
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"chromium exited without opening DevTools:\n{seen}");
    }

    private static async Task<string> FindPageAsync(HttpClient http, int port, CancellationToken cancellationToken)
    {
        while (true)
        {
            var targets = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list", cancellationToken)).RootElement;
            foreach (var target in targets.EnumerateArray())
            {
                if (target.GetProperty("type").GetString() == "page")
                {
                    return target.GetProperty("webSocketDebuggerUrl").GetString()!;
                }
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://[^:]+:(\d+)/")]
    private static partial Regex DevToolsLine();

    private async Task<JsonElement> CallAsync(string method, object parameters, CancellationToken cancellationToken)
    {
        var id = ++_nextId;
        var request = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters });
        await _socket.SendAsync(request, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, cancellationToken);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var reply = JsonDocument.Parse(message.ToArray()).RootElement;
            if (reply.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id)
            {
                return reply.TryGetProperty("error", out var error)
                    ? throw new Xunit.Sdk.XunitException($"{method} failed: {error}")
                    : reply.GetProperty("result");
            }
        }
    }
}
