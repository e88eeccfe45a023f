using System.Net.Sockets;

namespace Striper.Actors.Tunnel;

/// <summary>A TCP connection as a tunnel's byte side: half-close is <c>shutdown(SHUT_WR)</c>, abort is an RST.</summary>
internal sealed class SocketDuplex(Socket socket) : IByteDuplex
{
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var sent = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void ShutdownOutput()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset by the application: nothing left to shut.
        }
    }

    public void Abort()
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closing below is all that is left.
        }

        socket.Dispose();
    }

    public void Dispose() => socket.Dispose();
}
