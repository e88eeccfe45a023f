using System.Net.Sockets;
using Striper.Actors.Security;
using Striper.Actors.Transport;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

internal static class SessionProtocol
{
    /// <summary>A dial finished: a connected, accepted substream socket, or the reason it is not (and whether retrying is pointless).</summary>
    /// <param name="Status">The server's refusal, when it refused (rather than could not be reached).</param>
    /// <param name="Answered">The server answered the dial at all (it did not refuse the connection or stay silent
    /// until connect-timeout): what failed was the handshake, so an opening dial may be tried again.</param>
    public sealed record DialResult(int Index, DialedSubstream? Substream, string? Error, bool Fatal, HandshakeStatus? Status = null, bool Answered = false);

    /// <summary>Client: time to dial a lost substream again.</summary>
    public sealed record Redial(int Index);

    /// <summary>Server: a further substream for this session passed its handshake.</summary>
    public sealed record JoinSubstream(SubstreamConnection Connection, Handshake Handshake, SubstreamCipher? Cipher);

    public sealed record TargetConnected(Socket Socket);

    public sealed record TargetFailed(string Reason);

    /// <summary>Client: time to feed the stripe controller (auto-sized connections only).</summary>
    internal sealed class StripeTick
    {
        public static StripeTick Instance { get; } = new();

        private StripeTick()
        {
        }
    }

    /// <summary>The session went a whole resume window without any substream.</summary>
    internal sealed class ResumeWindowExpired
    {
        public static ResumeWindowExpired Instance { get; } = new();

        private ResumeWindowExpired()
        {
        }
    }

    internal sealed class CloseTimeout
    {
        public static CloseTimeout Instance { get; } = new();

        private CloseTimeout()
        {
        }
    }
}
