using Striper.Actors.Buffers;

namespace Striper.Actors.Legs;

/// <summary>
/// An inbound strategy for raw bytes: the leg receives straight into pooled leases of the size the strategy asks
/// for and hands each one over whole. No pipe sits in between, so every byte is copied once (kernel to lease) and
/// each lease becomes one chunk.
/// </summary>
internal interface IChunkInbound : ILegInbound
{
    /// <summary>How many bytes the next lease may hold; 0 while the strategy cannot take any.</summary>
    int NextChunkSize { get; }

    /// <summary>Takes ownership of a filled lease.</summary>
    void Accept(BufferLease chunk);
}
