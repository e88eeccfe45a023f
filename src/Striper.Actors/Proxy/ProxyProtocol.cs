using System.Net.Sockets;
using Striper.Actors.Sessions;
using Striper.Actors.Transport;
using Striper.Actors.Wire;

namespace Striper.Actors.Proxy;

internal static class ProxyProtocol
{
    /// <summary>Listener → parent: a new connection. The receiver owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    /// <param name="AcceptedAt">Stopwatch timestamp of the accept: the handshake deadline also bounds a refusal.</param>
    public sealed record HandshakeRead(SubstreamConnection Connection, AcceptedHandshake Handshake, long AcceptedAt);

    public sealed record HandshakeInvalid(SubstreamConnection Connection, string Remote, string Reason, HandshakeStatus Status, long AcceptedAt);

    /// <summary>MSP listener's port → server proxy: a client opened an MSP stream for a substream; its handshake comes next.</summary>
    public sealed record MspSubstreamAccepted(SubstreamConnection Connection);

    /// <summary>Timer → server proxy: time to say how many refusals went unlogged in the last window.</summary>
    internal sealed class FlushRefusalLog
    {
        public static FlushRefusalLog Instance { get; } = new();

        private FlushRefusalLog()
        {
        }
    }

    /// <summary>A refused connection the server was still answering has closed: its handshake slot is free.</summary>
    internal sealed class RejectionClosed
    {
        public static RejectionClosed Instance { get; } = new();

        private RejectionClosed()
        {
        }
    }
}
