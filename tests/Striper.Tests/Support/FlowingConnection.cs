using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>
/// An application connection that keeps sending (about 16 MB/s, in 64 KiB writes) until disposed, to a target that
/// drains it: traffic that is still flowing whenever a test looks at a proxy's live view.
/// </summary>
public sealed class FlowingConnection : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Socket _app;
    private readonly TestTarget _target;
    private readonly Task _sending;

    private FlowingConnection(Socket app, TestTarget target)
    {
        _app = app;
        _target = target;
        _sending = SendAsync();
    }

    public long Sent { get; private set; }

    /// <summary>The target that drains what the connection sends; start the proxies towards it, then call <see cref="ConnectAsync"/>.</summary>
    public static TestTarget CreateTarget() => new(async socket =>
    {
        var buffer = new byte[64 * 1024];
        while (await socket.ReceiveAsync(buffer) > 0)
        {
        }

        socket.Dispose();
    });

    public static async Task<FlowingConnection> ConnectAsync(IPEndPoint clientProxy, TestTarget target)
    {
        var app = new Socket(clientProxy.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await app.ConnectAsync(clientProxy);
        return new FlowingConnection(app, target);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sending;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }

        _app.Dispose();
        await _target.DisposeAsync();
        _stop.Dispose();
    }

    private async Task SendAsync()
    {
        var chunk = TestData.Random(64 * 1024, seed: 5);
        while (!_stop.IsCancellationRequested)
        {
            await _app.SendAsync(chunk, SocketFlags.None, _stop.Token);
            Sent += chunk.Length;
            await Task.Delay(4, _stop.Token);
        }
    }
}
