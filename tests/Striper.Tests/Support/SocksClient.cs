using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Striper.Tests.Support;

/// <summary>A SOCKS5 client written from RFC 1928/1929 for the tests: every byte it sends is the test's choice.</summary>
public static class SocksClient
{
    /// <summary>Greets (with a username and password if given), asks to CONNECT, and returns the socket and the reply's REP byte.</summary>
    public static async Task<(Socket Socket, byte Reply)> ConnectAsync(IPEndPoint proxy, string host, int port, (string User, string Password)? login = null)
    {
        var socket = new Socket(proxy.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(login is null ? new byte[] { 5, 1, 0 } : new byte[] { 5, 1, 2 });
        var choice = await ReadAsync(socket, 2);
        if (choice[1] == 0xFF)
        {
            return (socket, 0xFF);
        }

        if (login is { } l)
        {
            var user = Encoding.UTF8.GetBytes(l.User);
            var password = Encoding.UTF8.GetBytes(l.Password);
            await socket.SendAsync((byte[])[1, (byte)user.Length, .. user, (byte)password.Length, .. password]);
            var status = await ReadAsync(socket, 2);
            if (status[1] != 0)
            {
                return (socket, 0xFF);
            }
        }

        await socket.SendAsync(Request(host, port));
        var reply = await ReadAsync(socket, 10);
        return (socket, reply[1]);
    }

    /// <summary>A CONNECT request: address type 1, 4 or 3 as the host is an IPv4 or IPv6 address or a name.</summary>
    public static byte[] Request(string host, int port)
    {
        var portBytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(portBytes, (ushort)port);
        if (IPAddress.TryParse(host, out var address))
        {
            var type = address.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4;
            return [5, 1, 0, type, .. address.GetAddressBytes(), .. portBytes];
        }

        var name = Encoding.ASCII.GetBytes(host);
        return [5, 1, 0, 3, (byte)name.Length, .. name, .. portBytes];
    }

    public static async Task<byte[]> ReadAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                throw new IOException($"the proxy closed the connection after {read} of {count} bytes");
            }

            read += n;
        }

        return buffer;
    }
}
