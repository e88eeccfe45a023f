using System.Net;
using System.Net.Sockets;

namespace Striper.Actors.Sessions;

/// <summary>Outbound TCP connections with the options every leg wants, and a timeout that names its cause.</summary>
internal static class SocketFactory
{
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);

        // A literal address skips DNS; a name may resolve to IPv4 and IPv6 addresses, tried in turn.
        var socket = IPAddress.TryParse(host, out var address)
            ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            if (address is not null)
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), timeoutSource.Token);
            }
            else
            {
                await socket.ConnectAsync(host, port, timeoutSource.Token);
            }

            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {Format(host, port)} timed out after {timeout.TotalSeconds:0.#}s");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SocketException((int)ex.SocketErrorCode, $"connecting to {Format(host, port)}: {ex.Message}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The socket's remote address for logs and the status view, or "?" once it is gone.</summary>
    public static string Describe(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return "?";
        }
    }

    public static string Format(string host, int port) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes or fails with a reason.</summary>
    public static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, TimeSpan timeout, string what)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, timeoutSource.Token);
                if (read == 0)
                {
                    throw new IOException($"connection closed after {filled} of {buffer.Length} bytes of the {what}");
                }

                filled += read;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no complete {what} within {timeout.TotalSeconds:0.#}s ({filled} of {buffer.Length} bytes)");
        }
    }
}
