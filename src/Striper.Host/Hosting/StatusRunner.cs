using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Striper.Actors.Metrics;
using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Host.Cli;
using Striper.Host.Control;

namespace Striper.Host.Hosting;

/// <summary>
/// <c>striper status</c>: asks the control endpoint(s) for /api/status and prints a table (or the JSON), once or every
/// second with --watch. Without --control it asks both roles' default addresses and shows every proxy that answers.
/// </summary>
internal static class StatusRunner
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(StatusOptions options, CancellationToken cancellationToken)
    {
        // Without --control, both roles' defaults are asked, and only the ones that answer are shown (unless none does).
        var addresses = options.Control is { } control ? [Normalize(control)] : ControlSettings.DefaultAddresses;
        var token = options.TokenFile is { } file ? SecretFile.ReadPrivateText(file, "control token file").Trim() : null;
        using var http = new HttpClient { Timeout = RequestTimeout };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            while (true)
            {
                var answers = await Task.WhenAll(addresses.Select(a => AskAsync(http, a, cancellationToken)));
                var statuses = answers.Where(a => a.Json is not null).ToList();
                if (statuses.Count == 0 && !options.Watch)
                {
                    Console.Error.WriteLine("striper: " + string.Join("; ", answers.Select(a => a.Error)));
                    return ExitCodes.Failure;
                }

                var output = options.Json
                    ? (options.Control is null ? "[" + string.Join(",", statuses.Select(s => s.Json)) + "]" : statuses.FirstOrDefault().Json ?? "null") + Environment.NewLine
                    : Render(statuses.Count > 0 && options.Control is null ? statuses : answers);
                if (options.Watch && !options.Json && !Console.IsOutputRedirected)
                {
                    // Home and clear: redraw in place, like top.
                    Console.Write("\u001b[H\u001b[2J");
                }

                Console.Write(output);
                if (!options.Watch)
                {
                    return ExitCodes.Success;
                }

                await Task.Delay(StatusFeed.Interval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    private static string Render(IEnumerable<(string Address, string? Json, string? Error)> answers)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (address, json, error) in answers)
        {
            if (json is null)
            {
                text.AppendLine(error);
                continue;
            }

            var status = JsonSerializer.Deserialize<ProxyStatus>(json, ControlEndpoints.Json)!;
            text.Append(StatusTable.Render(status)).AppendLine();
        }

        return text.ToString();
    }

    private static async Task<(string Address, string? Json, string? Error)> AskAsync(HttpClient http, string address, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync($"http://{address}/api/status", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => (address, body, null),
                HttpStatusCode.Unauthorized => (address, null, $"the control endpoint at {address} wants its token: give --token-file FILE"),
                _ => (address, null, $"the control endpoint at {address} answered {(int)response.StatusCode}: {body.Trim()}"),
            };
        }
        catch (HttpRequestException ex)
        {
            return (address, null, $"no control endpoint answered at {address} ({ex.Message})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (address, null, $"the control endpoint at {address} did not answer within {RequestTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>HOST:PORT as an HTTP authority; a bad one is a usage error.</summary>
    private static string Normalize(string control) =>
        HostPort.TryParse(control, out var hostPort, out var error)
            ? hostPort.ToString()
            : throw new UsageException($"--control must be HOST:PORT, got '{control}' ({error}).");
}
