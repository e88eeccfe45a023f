using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>Server side: a substream's handshake failed; <see cref="Status"/> is the reason code its verdict carries.</summary>
internal sealed class HandshakeRejectedException : Exception
{
    public HandshakeRejectedException(HandshakeStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    public HandshakeRejectedException()
    {
    }

    public HandshakeRejectedException(string message)
        : base(message)
    {
    }

    public HandshakeRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HandshakeStatus Status { get; } = HandshakeStatus.BadHandshake;
}
