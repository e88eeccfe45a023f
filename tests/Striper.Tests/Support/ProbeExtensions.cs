using Akka.TestKit;
using Xunit.Sdk;

namespace Striper.Tests.Support;

/// <summary>What Akka.TestKit leaves to its users: take the next message only if one comes in time.</summary>
internal static class ProbeExtensions
{
    /// <summary>Takes the next message if one arrives within <paramref name="wait"/>; it must be a <typeparamref name="T"/>.</summary>
    public static bool TryExpectMsg<T>(this TestKitBase probe, TimeSpan wait, out T typed)
    {
        ArgumentNullException.ThrowIfNull(probe);
        typed = default!;
        if (!probe.TryReceiveOne(out var envelope, wait))
        {
            return false;
        }

        typed = envelope.Message is T message
            ? message
            : throw new XunitException($"{probe.TestActor.Path}: expected a message of type {typeof(T).Name} but received {envelope.Message.GetType().Name} [{envelope.Message}] from {envelope.Sender.Path}");
        return true;
    }
}
