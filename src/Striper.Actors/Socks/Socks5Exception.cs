namespace Striper.Actors.Socks;

/// <summary>A SOCKS client that broke the protocol, failed authentication or asked for what is not served; the message says which.</summary>
public sealed class Socks5Exception : Exception
{
    public Socks5Exception()
    {
    }

    public Socks5Exception(string message)
        : base(message)
    {
    }

    public Socks5Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
