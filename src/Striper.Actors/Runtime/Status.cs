namespace Striper.Actors.Runtime;

/// <summary>Standard replies; <see cref="Failure"/> makes an Ask fault with its cause.</summary>
public static class Status
{
    public sealed record Failure(Exception Cause);

    public sealed record Success(object? Value);
}
