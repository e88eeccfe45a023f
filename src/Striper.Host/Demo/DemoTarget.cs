using System.Net;
using System.Net.Sockets;

namespace Striper.Host.Demo;

/// <summary>
/// The demo's far end, standing where sshd would: accepts one connection, and at the same time hashes
/// everything it receives and sends its own stream of known bytes.
/// </summary>
internal sealed class DemoTarget : IDisposable
{
    private readonly Socket _listener;

    public DemoTarget()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public StreamPump Received { get; } = new();

    public StreamPump Sent { get; } = new();

    /// <summary>Completes with (hash of what arrived, hash of what was sent).</summary>
    public async Task<(byte[] Received, byte[] Sent)> ServeOneAsync(DataPattern pattern, long size, CancellationToken cancellationToken)
    {
        using var socket = await _listener.AcceptAsync(cancellationToken);
        var receive = Received.ReceiveAsync(socket, cancellationToken);
        var send = Sent.SendAsync(socket, pattern, size, cancellationToken);
        return (await receive, await send);
    }

    public void Dispose() => _listener.Dispose();
}
