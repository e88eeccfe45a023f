namespace Striper.Actors.Proxy;

/// <summary>A proxy could not start (address in use, no such interface); the message is meant for the user.</summary>
public sealed class ProxyStartException : Exception
{
    public ProxyStartException()
    {
    }

    public ProxyStartException(string message)
        : base(message)
    {
    }

    public ProxyStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
