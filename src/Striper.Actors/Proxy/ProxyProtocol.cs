using System.Net.Sockets;
using Striper.Actors.Sessions;
using Striper.Actors.Wire;

namespace Striper.Actors.Proxy;

internal static class ProxyProtocol
{
    /// <summary>Listener → parent: a new connection. The receiver owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    /// <param name="AcceptedAt">Stopwatch timestamp of the accept: the handshake deadline also bounds a refusal.</param>
    public sealed record HandshakeRead(Socket Socket, AcceptedHandshake Handshake, long AcceptedAt);

    public sealed record HandshakeInvalid(Socket Socket, string Remote, string Reason, HandshakeStatus Status, long AcceptedAt);

    /// <summary>A refused connection the server was still answering has closed: its handshake slot is free.</summary>
    internal sealed class RejectionClosed
    {
        public static RejectionClosed Instance { get; } = new();

        private RejectionClosed()
        {
        }
    }
}
