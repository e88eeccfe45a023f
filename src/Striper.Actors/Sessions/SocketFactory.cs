using System.Net;
using System.Net.Sockets;

namespace Striper.Actors.Sessions;

/// <summary>Outbound TCP connections with the options every leg wants, and a timeout that names its cause.</summary>
internal static class SocketFactory
{
    // <netinet/tcp.h>: TCP_USER_TIMEOUT (RFC 5482), which .NET has no name for.
    private const int IpProtocolTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <param name="configure">
    /// Options for the new socket: set before connecting to an address, after connecting to a name (on Unix a socket
    /// with a raw option set cannot go on to the name's next address if one fails).
    /// </param>
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken, Action<Socket>? configure = null)
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
                configure?.Invoke(socket);
                await socket.ConnectAsync(new IPEndPoint(address, port), timeoutSource.Token);
            }
            else
            {
                await socket.ConnectAsync(host, port, timeoutSource.Token);
                configure?.Invoke(socket);
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

    /// <summary>
    /// Makes a substream's TCP connection notice a dead path by itself: keepalives while it is idle, and a bound
    /// (TCP_USER_TIMEOUT, Linux) on how long sent data may stay unacknowledged. Without them a path that died
    /// silently (a NAT that forgot its mapping, a link that went away) holds a connection for many minutes of
    /// exponential retransmission, and a side that has nothing to send never learns of it at all; with them the
    /// connection fails within <paramref name="timeout"/> and the session re-dials (client) or waits (server).
    /// </summary>
    public static void WatchForDeadPath(Socket socket, TimeSpan timeout)
    {
        var seconds = Math.Max(1, (int)timeout.TotalSeconds);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, seconds / 3));
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, seconds / 6));
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            if (OperatingSystem.IsLinux())
            {
                Span<byte> milliseconds = stackalloc byte[sizeof(int)];
                BitConverter.TryWriteBytes(milliseconds, (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue));
                socket.SetRawSocketOption(IpProtocolTcp, TcpUserTimeout, milliseconds);
            }
        }
        catch (SocketException)
        {
            // A connection that is already gone fails its first read instead; a platform without an option keeps the
            // others, and the stall detector and resume window still apply.
        }
        catch (ObjectDisposedException)
        {
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
