using System.Buffers;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Striping;
using Striper.Actors.Wire;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Drives <see cref="SubstreamInbound"/> the way <see cref="TcpLeg"/>'s receive loop does: each socket read is appended
/// to what is left over (as a multi-segment sequence), <see cref="SubstreamInbound.Process"/> consumes what it can,
/// and a violation ends the feed. It measures what the real loop would hold: the bytes left in the pipe after each
/// call and the bytes allocated per call beyond the DATA payloads delivered.
/// </summary>
internal static class FrameFeeder
{
    public const int Slot = 5;

    /// <summary>Per call, this much allocation is the decoder's own (messages, sequence bookkeeping), not payload.</summary>
    public const int OverheadPerCall = 16 * 1024;

    /// <param name="cuts">Positions where the stream is split into separate reads (any order, duplicates allowed).</param>
    public static FeedResult Feed(byte[] stream, IEnumerable<int> cuts, int maxPayload)
    {
        // The pool's first use allocates its buckets (16 Ki slots each, 2.3 MB in all): charged to whichever
        // call touched it first, that would fail the allocation bound of the first feed in a fresh process.
        _ = BufferPool.Arrays;
        var sink = new RecordingRef("sink");
        var inbound = new SubstreamInbound(Slot, sink, sink, sink, maxPayload);
        var reads = Split(stream, cuts);
        var pending = new List<ReadOnlyMemory<byte>>();
        long maxLeftover = 0;
        long maxExcess = 0;
        string? error = null;
        var frames = new List<WireFrame>();
        foreach (var read in reads)
        {
            pending.Add(read);
            var buffer = BufferSegment.Sequence(pending);
            var before = GC.GetAllocatedBytesForCurrentThread();
            error = inbound.Process(ref buffer);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var payloadBytes = Drain(sink, inbound, frames);

            // The pool rounds a rent up to a power of two: up to twice the payload is the payload's own cost.
            maxExcess = Math.Max(maxExcess, allocated - (2 * payloadBytes));
            pending = [.. Pieces(buffer)];
            if (error is not null)
            {
                // The leg resets the socket here: whatever is still buffered is dropped with it.
                break;
            }

            maxLeftover = Math.Max(maxLeftover, buffer.Length);
        }

        Assert.Equal(0, inbound.Outstanding);
        var leftover = pending.Sum(p => (long)p.Length);
        string? endReason = null;
        if (error is null)
        {
            inbound.Completed(null, leftover);
            endReason = sink.Messages.OfType<StriperProtocol.SubstreamEnded>().FirstOrDefault()?.Reason;
        }

        return new FeedResult(frames, error, leftover, maxLeftover, maxExcess, endReason);
    }

    /// <summary>
    /// Turns the decoder's messages back into frames, returning each DATA lease to the pool and granting each frame
    /// back as its receiving actor would, so the decoder's flood guard sees frames being taken.
    /// </summary>
    private static long Drain(RecordingRef sink, SubstreamInbound inbound, List<WireFrame> frames)
    {
        long payloadBytes = 0;
        foreach (var message in sink.Messages)
        {
            switch (message)
            {
                case StriperProtocol.DataReceived data:
                    Assert.Equal(Slot, data.Slot);
                    payloadBytes += data.Lease.Length;
                    frames.Add(WireFrame.Data(data.Offset, data.Stamp, data.Lease.Span.ToArray()));
                    data.Credit!.Grant(data.Lease.Length);
                    data.Lease.Dispose();
                    break;
                case StriperProtocol.AckReceived ack:
                    frames.Add(WireFrame.Ack(ack.Received, ack.StampEcho, ack.Flags == FrameFlags.FinDelivered, ack.Ack));
                    ack.Credit!.Grant(ProtocolConstants.AckPayloadSize);
                    break;
                case StriperProtocol.FinReceived fin:
                    frames.Add(WireFrame.Fin(fin.FinalOffset));
                    fin.Credit!.Grant(0);
                    break;
                case StriperProtocol.RstReceived rst:
                    frames.Add(WireFrame.Rst((int)rst.Reason));
                    break;
                default:
                    throw new InvalidOperationException($"unexpected message {message}");
            }
        }

        sink.Messages.Clear();
        return payloadBytes;
    }

    private static List<ReadOnlyMemory<byte>> Split(byte[] stream, IEnumerable<int> cuts)
    {
        var points = cuts.Select(c => Math.Clamp(c, 0, stream.Length)).Append(0).Append(stream.Length).Distinct().Order().ToList();
        var reads = new List<ReadOnlyMemory<byte>>();
        for (var i = 1; i < points.Count; i++)
        {
            reads.Add(stream.AsMemory(points[i - 1], points[i] - points[i - 1]));
        }

        return reads;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Pieces(ReadOnlySequence<byte> buffer)
    {
        foreach (var memory in buffer)
        {
            if (!memory.IsEmpty)
            {
                yield return memory;
            }
        }
    }
}
