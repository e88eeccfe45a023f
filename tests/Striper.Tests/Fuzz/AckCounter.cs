using Striper.Actors.Legs;
using Striper.Actors.Runtime;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Stands in for a substream leg: keeps only the newest ACK's "received on this substream" count, which says how many
/// DATA bytes the Reassembler has taken from its mailbox so far. Thread-safe and constant-size, unlike a probe.
/// </summary>
internal sealed class AckCounter(string path) : IActorRef
{
    private long _received;

    public string Path { get; } = path;

    public long Received => Volatile.Read(ref _received);

    public void Tell(object message, IActorRef? sender = null)
    {
        if (message is TcpLegProtocol.WriteAck ack)
        {
            long seen;
            while ((seen = Volatile.Read(ref _received)) < ack.Received && Interlocked.CompareExchange(ref _received, ack.Received, seen) != seen)
            {
            }
        }
        else if (message is TcpLegProtocol.WriteRaw raw)
        {
            raw.Lease.Dispose();
        }
    }
}
