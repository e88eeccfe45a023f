using System.Net.Sockets;
using System.Threading.Channels;

namespace Striper.Actors.Legs;

/// <summary>
/// The send side of a <see cref="TcpLeg"/>: the actor queues segments (never blocking), and a loop sends all that
/// is queued with one gather send, then releases it. Chunks are sent from the buffers they already live in: the
/// Striper keeps every DATA payload until acknowledged anyway, so copying it into a pipe first would hold each
/// byte twice and spend a copy per hop. What can be queued is bounded by the protocol (credit and in-flight caps).
/// </summary>
internal sealed class LegOutput
{
    /// <summary>At most this many segments per gather send, to bound the batch list and the syscall.</summary>
    private const int MaxBatch = 64;

    private readonly Channel<OutgoingSegment> _queue = Channel.CreateUnbounded<OutgoingSegment>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });

    private volatile bool _completed;
    private int _headersQueued;

    public bool IsCompleted => _completed;

    /// <summary>
    /// Frame headers (segments in rented arrays) queued and not yet sent. DATA headers are bounded by the protocol, but
    /// the ACKs answering a peer's frames are not if that peer never reads: the leg watches this count to notice.
    /// </summary>
    public int HeadersQueued => Volatile.Read(ref _headersQueued);

    /// <summary>Queues bytes to send; false (and released) once the output is completed.</summary>
    public bool Enqueue(OutgoingSegment segment)
    {
        if (segment.RentedArray)
        {
            Interlocked.Increment(ref _headersQueued);
        }

        if (_completed || !_queue.Writer.TryWrite(segment))
        {
            Release(segment);
            return false;
        }

        return true;
    }

    /// <summary>No more segments: the loop sends what is queued and then ends.</summary>
    public void Complete()
    {
        _completed = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>Sends until completed or failed; returns the failure, or null after a clean end.</summary>
    public async Task<Exception?> RunAsync(Socket socket, Action<long> written, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var batch = new List<OutgoingSegment>(MaxBatch);
        var segments = new List<ArraySegment<byte>>(MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                long total = 0;
                while (batch.Count < MaxBatch && reader.TryRead(out var segment))
                {
                    batch.Add(segment);
                    segments.Add(segment.Bytes);
                    total += segment.Bytes.Count;
                }

                await SendAllAsync(socket, segments, total, cancellationToken);
                ReleaseAll(batch);
                segments.Clear();
                written(total);
            }

            return null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return ex;
        }
        finally
        {
            _completed = true;
            _queue.Writer.TryComplete();
            ReleaseAll(batch);
            while (reader.TryRead(out var left))
            {
                Release(left);
            }
        }
    }

    private static async Task SendAllAsync(Socket socket, List<ArraySegment<byte>> segments, long total, CancellationToken cancellationToken)
    {
        var sent = segments.Count == 1
            ? await socket.SendAsync(segments[0], SocketFlags.None, cancellationToken)
            : await socket.SendAsync(segments, SocketFlags.None);
        while (sent < total)
        {
            // Stream sockets send everything or fail; finish by hand should a partial send ever surface.
            var skip = sent;
            foreach (var segment in segments)
            {
                if (skip >= segment.Count)
                {
                    skip -= segment.Count;
                    continue;
                }

                var rest = segment[(int)skip..];
                skip = 0;
                while (rest.Count > 0)
                {
                    var n = await socket.SendAsync(rest, SocketFlags.None, cancellationToken);
                    rest = rest[n..];
                    sent += n;
                }
            }
        }
    }

    private void ReleaseAll(List<OutgoingSegment> batch)
    {
        foreach (var segment in batch)
        {
            Release(segment);
        }

        batch.Clear();
    }

    private void Release(OutgoingSegment segment)
    {
        if (segment.RentedArray)
        {
            Interlocked.Decrement(ref _headersQueued);
        }

        segment.Release();
    }
}
