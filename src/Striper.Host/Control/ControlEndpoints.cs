using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Striper.Host.Control;

/// <summary>
/// The control endpoint's routes (minimal APIs on Kestrel, in the proxy's own generic host):
/// <c>/api/status</c> (JSON), <c>/api/events</c> (the same as Server-Sent Events, once a second), <c>/metrics</c>
/// (Prometheus text) and the dashboard's static files at <c>/</c>. With a token, every request must carry it.
/// </summary>
internal static class ControlEndpoints
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> DashboardFiles = new();

    public static void Map(WebApplication app, StatusFeed feed, string? token)
    {
        var exporter = new PrometheusExporter(feed);
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        if (token is not null)
        {
            var expected = Encoding.UTF8.GetBytes(token);
            app.Use(async (context, next) =>
            {
                if (!Authorized(context.Request, expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsync("this control endpoint needs its token: 'Authorization: Bearer TOKEN', or ?token=TOKEN in a browser\n");
                    return;
                }

                await next(context);
            });
        }

        app.MapGet("/api/status", () => feed.Latest is { } status
            ? Results.Json(status, Json)
            : Results.Text("the proxy is starting\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/api/events", (HttpContext context) => StreamEventsAsync(context, feed, stopping));
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapGet("/", () => Dashboard("index.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Dashboard("dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard.css", () => Dashboard("dashboard.css", "text/css; charset=utf-8"));
    }

    private static bool Authorized(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : request.Query["token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected);
    }

    /// <summary>One "data:" event per sample until the client goes away or the proxy stops.</summary>
    private static async Task StreamEventsAsync(HttpContext context, StatusFeed feed, CancellationToken stopping)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            while (true)
            {
                var status = await feed.NextAsync(done.Token);
                await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(status, Json) + "\n\n", done.Token);
                await context.Response.Body.FlushAsync(done.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The dashboard closed, or the proxy is stopping: the stream simply ends.
        }
    }

    private static IResult Dashboard(string name, string contentType) =>
        Results.Text(DashboardFiles.GetOrAdd(name, ReadDashboardFile), contentType);

    /// <summary>Read once from the program's resources: the files never change while it runs.</summary>
    private static string ReadDashboardFile(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"the dashboard's {name} is missing from the program");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
