using System.Buffers;

namespace Striper.Tests.Fuzz;

/// <summary>
/// One piece of a multi-segment <see cref="ReadOnlySequence{T}"/>, so decoders see bytes split across segments the
/// way a socket's pipe hands them over, including a header that straddles two reads.
/// </summary>
internal sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    public BufferSegment(ReadOnlyMemory<byte> memory, BufferSegment? previous)
    {
        Memory = memory;
        if (previous is not null)
        {
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }

    /// <summary>A sequence over <paramref name="pieces"/> in order (empty pieces allowed, as a pipe may produce).</summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new BufferSegment(pieces[0], null);
        var last = first;
        for (var i = 1; i < pieces.Count; i++)
        {
            last = new BufferSegment(pieces[i], last);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
