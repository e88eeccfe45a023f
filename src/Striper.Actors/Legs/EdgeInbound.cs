using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Striping;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of an edge leg (the application's or the target's socket): the leg receives into pooled chunks of
/// at most the chunk size and this hands them to the <see cref="Striping.Striper"/>. It asks for only as many bytes
/// as the Striper has granted, so with no credit the leg stops reading and TCP pushes back.
/// </summary>
internal sealed class EdgeInbound : IChunkInbound, IReadCredit
{
    private readonly IActorRef _striper;
    private readonly int _chunkSize;
    private readonly ReadBudget _budget = new(0);

    public EdgeInbound(IActorRef striper, int chunkSize)
    {
        _striper = striper;
        _chunkSize = chunkSize;
    }

    public int NextChunkSize => (int)Math.Clamp(_budget.Available, 0, _chunkSize);

    public void Grant(long bytes) => _budget.Return(bytes);

    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken) => _budget.WaitAsync(cancellationToken);

    public void Accept(BufferLease chunk)
    {
        _budget.Spend(chunk.Length);
        _striper.Tell(new StriperProtocol.EdgeData(chunk));
    }

    /// <summary>The session announces the edge itself, before any substream exists that could deliver to it.</summary>
    public void Started(IActorRef leg)
    {
    }

    public void Completed(Exception? error, long leftoverBytes) =>
        _striper.Tell(new StriperProtocol.EdgeEnded(error));
}
