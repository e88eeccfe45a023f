using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Wire;

namespace Striper.Actors.Legs;

/// <summary>The messages a <see cref="TcpLeg"/> takes and sends. ToString never prints payload bytes.</summary>
internal static class TcpLegProtocol
{
    /// <summary>Raw bytes for the socket (edge legs). The leg takes ownership of the lease and returns it.</summary>
    public sealed record WriteRaw(BufferLease Lease) : IOwnsResources
    {
        public void ReleaseUndelivered() => Lease.Dispose();
    }

    /// <summary>
    /// A DATA frame. The sender keeps ownership of the lease (it retains the chunk until the far side
    /// acknowledges it, which can only happen after this leg has copied and sent it).
    /// </summary>
    public sealed record WriteData(long Offset, long Stamp, BufferLease Lease)
    {
        public override string ToString() => $"WriteData(off={Offset}, {Lease.Length} bytes)";
    }

    public sealed record WriteAck(long Received, long StampEcho, FrameFlags Flags, AckPayload Ack);

    public sealed record WriteFin(long FinalOffset);

    public sealed record WriteRst(SessionAbortReason Reason);

    /// <summary>Lets an edge leg read this many more bytes from its socket.</summary>
    public sealed record GrantRead(long Bytes);

    /// <summary>Send everything queued, then FIN the socket's write side.</summary>
    public sealed class Shutdown
    {
        public static Shutdown Instance { get; } = new();

        private Shutdown()
        {
        }
    }

    /// <summary>Reset the socket now: queued bytes are dropped.</summary>
    public sealed record Abort(string Reason);

    /// <summary>To the leg's written-listener after bytes have left through the socket (edge credit).</summary>
    public sealed record Written(long Bytes);

    /// <summary>To the leg's parent when its write side has finished: cleanly (null) or with an error.</summary>
    public sealed record OutputEnded(IActorRef Leg, Exception? Error);

    /// <summary>To the leg's parent when the peer broke the framing; the leg is already aborting.</summary>
    public sealed record Violation(IActorRef Leg, string Reason);

    internal sealed record InputLoopEnded;

    internal sealed record OutputLoopEnded(Exception? Error);

    internal sealed record InputViolation(string Reason);
}
