using System.Net.Sockets;
using Striper.Actors.Wire;

namespace Striper.Actors.Proxy;

internal static class ProxyProtocol
{
    /// <summary>Listener → parent: a new connection. The receiver owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    public sealed record HandshakeRead(Socket Socket, Handshake Handshake);

    public sealed record HandshakeInvalid(Socket Socket, string Remote, string Reason);
}
