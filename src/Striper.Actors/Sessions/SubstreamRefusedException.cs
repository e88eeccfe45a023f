using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>The server answered a substream handshake with something other than Accepted.</summary>
public sealed class SubstreamRefusedException : Exception
{
    internal SubstreamRefusedException(HandshakeStatus status)
        : base("refused by the server: " + HandshakeReply.Describe(status))
    {
    }

    public SubstreamRefusedException()
    {
    }

    public SubstreamRefusedException(string message)
        : base(message)
    {
    }

    public SubstreamRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
