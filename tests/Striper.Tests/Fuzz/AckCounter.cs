using Akka.Actor;
using Striper.Actors.Legs;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Stands in for a substream leg: keeps only the newest ACK's "received on this substream" count, which says how many
/// DATA bytes the Reassembler has taken from its mailbox so far. Thread-safe and constant-size, unlike a probe.
/// </summary>
internal sealed class AckCounter(string name) : MinimalActorRef
{
    private long _received;

    public override ActorPath Path { get; } = new RootActorPath(Address.AllSystems) / name;

    public override IActorRefProvider Provider => throw new NotSupportedException("an ACK counter belongs to no actor system");

    public long Received => Volatile.Read(ref _received);

    protected override void TellInternal(object message, IActorRef sender)
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
