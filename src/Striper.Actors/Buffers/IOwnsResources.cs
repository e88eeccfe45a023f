namespace Striper.Actors.Buffers;

/// <summary>
/// A message that hands its recipient something to give back (a pooled buffer). When it cannot be delivered (its
/// recipient has stopped, or did not handle it), nobody took it over, so the actor system's <see cref="UndeliveredBuffers"/> listener calls
/// <see cref="ReleaseUndelivered"/> when the dead letter is published. Without this, the data in flight to a
/// connection that just ended was left to the garbage collector, a credit window's worth per connection.
/// </summary>
public interface IOwnsResources
{
    void ReleaseUndelivered();
}
