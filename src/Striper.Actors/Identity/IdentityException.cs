namespace Striper.Actors.Identity;

/// <summary>The identity file cannot be used (unsafe permissions, unreadable, not a key): one sentence naming the file and the fix.</summary>
public sealed class IdentityException : Exception
{
    public IdentityException()
    {
    }

    public IdentityException(string message)
        : base(message)
    {
    }

    public IdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
