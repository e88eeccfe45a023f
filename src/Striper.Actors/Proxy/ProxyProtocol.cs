using System.Net.Sockets;
using Striper.Actors.Sessions;
using Striper.Actors.Wire;

namespace Striper.Actors.Proxy;

internal static class ProxyProtocol
{
    /// <summary>Listener → parent: a new connection. The receiver owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    public sealed record HandshakeRead(Socket Socket, AcceptedHandshake Handshake);

    public sealed record HandshakeInvalid(Socket Socket, string Remote, string Reason, HandshakeStatus Status);

    /// <summary>A refused connection the server was still answering has closed: its handshake slot is free.</summary>
    internal sealed class RejectionClosed
    {
        public static RejectionClosed Instance { get; } = new();

        private RejectionClosed()
        {
        }
    }
}
