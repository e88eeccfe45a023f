using System.Net;
using System.Net.Sockets;
using Striper.Actors.Sessions;

namespace Striper.Tests.Sessions;

public sealed class SocketFactoryTests
{
    [Fact]
    public async Task A_substream_socket_should_get_keepalives_and_a_bound_on_unacknowledged_data()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var socket = await SocketFactory.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var accepted = await listener.AcceptAsync();

        SocketFactory.WatchForDeadPath(socket, TimeSpan.FromSeconds(12));

        Assert.Equal(1, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(4, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(2, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(3, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
        if (OperatingSystem.IsLinux())
        {
            // TCP_USER_TIMEOUT, in milliseconds.
            var value = new byte[sizeof(int)];
            Assert.Equal(sizeof(int), socket.GetRawSocketOption(6, 18, value));
            Assert.Equal(12_000, BitConverter.ToInt32(value));
        }
    }

    [Fact]
    public void A_closed_socket_should_be_left_alone_without_an_exception()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        SocketFactory.WatchForDeadPath(socket, TimeSpan.FromSeconds(10));
    }
}
