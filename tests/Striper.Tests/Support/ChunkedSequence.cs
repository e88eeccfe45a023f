using System.Buffers;

namespace Striper.Tests.Support;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/>, as a pipe hands over bytes that arrived in pieces.</summary>
public sealed class ChunkedSequence : ReadOnlySequenceSegment<byte>
{
    private ChunkedSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Splits <paramref name="bytes"/> into segments of at most <paramref name="pieceSize"/> bytes.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int pieceSize)
    {
        var first = new ChunkedSequence(bytes.AsMemory(0, Math.Min(pieceSize, bytes.Length)), 0);
        var last = first;
        for (var at = first.Memory.Length; at < bytes.Length; at += pieceSize)
        {
            var next = new ChunkedSequence(bytes.AsMemory(at, Math.Min(pieceSize, bytes.Length - at)), at);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
