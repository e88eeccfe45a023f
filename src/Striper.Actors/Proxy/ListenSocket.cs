using System.Net;
using System.Net.Sockets;

namespace Striper.Actors.Proxy;

internal static class ListenSocket
{
    /// <summary>Binds and listens now, so an address in use is reported at start with the address named.</summary>
    public static Socket Bind(IPEndPoint endPoint, int backlog = 512)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] also takes IPv4 clients, as users expect from "listen on everything".
                socket.DualMode = true;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ProxyStartException($"cannot listen on {endPoint}: {ex.Message}", ex);
        }
    }
}
