using System.Net.Sockets;
using Striper.Actors.Sessions;
using Striper.Actors.Transport;
using Striper.Actors.Wire;

namespace Striper.Actors.Proxy;

internal static class ProxyProtocol
{
    /// <summary>Listener → parent: a new connection. The receiver owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    /// <summary>Server: what striper.server.allow says of an OPEN's target: where to connect, or why not.</summary>
    public sealed record TargetChecked(HandshakeRead Open, HostPort Requested, HostPort? Target, string? Refusal);

    /// <summary>A SOCKS client asked for <paramref name="Target"/>: its session may start.</summary>
    public sealed record SocksRequested(Socket Socket, HostPort Target);

    /// <summary>A SOCKS client broke the protocol or failed authentication; the socket is to be closed.</summary>
    public sealed record SocksFailed(Socket Socket, string Remote, string Reason);

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

    /// <summary>
    /// Shutdown → proxy: accept no new connections from now on, and answer <see cref="Draining"/> once that is
    /// in force (a connection attempted after the answer is refused). The open connections carry on.
    /// </summary>
    internal sealed class Drain
    {
        public static Drain Instance { get; } = new();

        private Drain()
        {
        }
    }

    /// <summary>Proxy → whoever asked it to <see cref="Drain"/>: new connections are refused now.</summary>
    internal sealed class Draining
    {
        public static Draining Instance { get; } = new();

        private Draining()
        {
        }
    }

    /// <summary>Shutdown → proxy: answer <see cref="Drained"/> once no connection is open (at once if none is).</summary>
    internal sealed class WhenDrained
    {
        public static WhenDrained Instance { get; } = new();

        private WhenDrained()
        {
        }
    }

    /// <summary>Proxy → whoever asked <see cref="WhenDrained"/>: no connection is open any more.</summary>
    internal sealed class Drained
    {
        public static Drained Instance { get; } = new();

        private Drained()
        {
        }
    }
}
