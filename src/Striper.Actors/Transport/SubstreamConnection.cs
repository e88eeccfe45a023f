using System.Buffers;
using Akka.Actor;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Security;
using Striper.Actors.Wire;

namespace Striper.Actors.Transport;

/// <summary>
/// One substream's connection between the proxies, whatever carries it (a TCP socket or an MSP stream). The v2
/// handshake runs over it as plain bytes (<see cref="ReceiveAsync"/>, <see cref="SendAsync"/>, off the mailbox); once
/// accepted, it becomes a leg speaking <see cref="TcpLegProtocol"/>, or it is refused with a verdict and closed. So
/// the handshake, the sessions and the server's registry are written once for both transports.
/// </summary>
internal abstract class SubstreamConnection
{
    /// <summary>Who is at the other end, for logs.</summary>
    public abstract string Remote { get; }

    /// <summary>Reads what has arrived, up to the buffer's size; 0 at the peer's end of stream.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>
    /// The leg that carries frames once the handshake is done: it owns the connection from then on. The
    /// <paramref name="preamble"/> (the server's Accepted verdict) goes out before any frame.
    /// </summary>
    public abstract Props LegProps(SubstreamInbound inbound, int receiveSize, byte[]? preamble, FrameSealer? sealer, MemoryPool<byte> receivePool);

    /// <summary>
    /// Called once the leg from <see cref="LegProps"/> exists (an MSP stream is handed over to it now, and publishes its
    /// path figures into <paramref name="stats"/> from then on).
    /// </summary>
    public virtual void LegStarted(IActorRef leg, SubstreamStats? stats)
    {
    }

    /// <summary>Sends a refusal and closes, bounded by <paramref name="drainLimit"/>; completes (never faults) once closed.</summary>
    public abstract Task RejectAsync(HandshakeStatus status, TimeSpan drainLimit);

    /// <summary>Closes at once, cheaply, with a reset: for a flood that is shed, or a connection nobody will use.</summary>
    public abstract void Abort();
}
