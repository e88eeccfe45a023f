using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>The server answered a substream handshake with something other than Accepted (or could not prove the secret).</summary>
public sealed class SubstreamRefusedException : Exception
{
    internal SubstreamRefusedException(HandshakeStatus status, string? detail = null)
        : base("the server refused the session: " + HandshakeReply.Describe(status) + (detail is null ? string.Empty : $" ({detail})"))
    {
        Status = status;
    }

    /// <summary>The server's reason code (a SOCKS front end turns it into its reply).</summary>
    internal HandshakeStatus? Status { get; }

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
