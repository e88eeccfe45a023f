using System.Globalization;
using System.Net;
using System.Text.Json;
using Striper.Tests.Support;

namespace Striper.Tests.Host;

/// <summary>
/// A server and a client proxy process, each with its control endpoint on a port of its own, and one connection
/// through them that keeps sending: what a user watching a transfer sees. Shared by the control endpoint's tests.
/// </summary>
public sealed class ControlPair : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private TestTarget? _target;

    public ChildProcess Server { get; private set; } = null!;

    public ChildProcess Client { get; private set; } = null!;

    public FlowingConnection Flow { get; private set; } = null!;

    public string ClientControl { get; } = $"127.0.0.1:{Ports.Free()}";

    public string ServerControl { get; } = $"127.0.0.1:{Ports.Free()}";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _target = FlowingConnection.CreateTarget();
        var serverPort = Ports.Free();
        var clientPort = Ports.Free();
        var port = serverPort.ToString(CultureInfo.InvariantCulture);
        Server = ChildProcess.StartStriper("-s", $"127.0.0.1:{port}", _target.EndPoint.ToString(), "--control", ServerControl);
        await Server.WaitForLogAsync("control endpoint on", Timeout);
        Client = ChildProcess.StartStriper("-c", $"127.0.0.1:{clientPort}", "127.0.0.1", port, "--stripes", "3", "--congestion-control", "reno", "--control", ClientControl);
        await Client.WaitForLogAsync("control endpoint on", Timeout);
        Flow = await FlowingConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, clientPort), _target);
    }

    /// <summary>The client's /api/status once its connection shows data moving on some substream.</summary>
    public async Task<JsonElement> WaitForFlowingStatusAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await Http.GetStringAsync($"http://{ClientControl}/api/status");
            var status = JsonDocument.Parse(last).RootElement;
            var connections = status.GetProperty("connections");
            if (connections.GetArrayLength() == 1 && connections[0].GetProperty("substreams").EnumerateArray().Any(s => s.GetProperty("rate").GetDouble() > 0))
            {
                return status;
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"the client's status never showed a flowing connection; last:\n{last}\nclient log:\n{Client.StandardError}");
    }

    public async Task DisposeAsync()
    {
        await Flow.DisposeAsync();
        Client.Signal(15);
        Server.Signal(15);
        await Client.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await Server.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        Http.Dispose();
    }
}
