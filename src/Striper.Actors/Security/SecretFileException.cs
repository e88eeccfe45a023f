namespace Striper.Actors.Security;

/// <summary>A secret file is missing, unreadable, readable by others, or does not hold a secret; the message names the file.</summary>
public sealed class SecretFileException : Exception
{
    public SecretFileException()
    {
    }

    public SecretFileException(string message)
        : base(message)
    {
    }

    public SecretFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
