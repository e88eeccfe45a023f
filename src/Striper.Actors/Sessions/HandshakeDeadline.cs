using Striper.Actors.Transport;

namespace Striper.Actors.Sessions;

/// <summary>
/// One deadline for a whole handshake, however many messages it takes, so a peer that trickles bytes (one per
/// second, say) is cut off at the handshake timeout like a silent one. Errors say how far the peer got.
/// </summary>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly TimeSpan _limit;

    public HandshakeDeadline(TimeSpan limit, CancellationToken cancellationToken = default)
    {
        _limit = limit;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timeout.CancelAfter(limit);
    }

    public CancellationToken Token => _timeout.Token;

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="from"/> up to <paramref name="upTo"/> (its end by default);
    /// <paramref name="what"/> names it in the error, which counts against the whole buffer.
    /// </summary>
    public async Task ReadExactlyAsync(SubstreamConnection connection, Memory<byte> buffer, string what, int from = 0, int? upTo = null)
    {
        var filled = from;
        var end = upTo ?? buffer.Length;
        try
        {
            while (filled < end)
            {
                var read = await connection.ReceiveAsync(buffer[filled..end], _timeout.Token);
                if (read == 0)
                {
                    throw new IOException($"connection closed after {filled} of {buffer.Length} bytes of the {what}");
                }

                filled += read;
            }
        }
        catch (OperationCanceledException) when (_timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete {what} within {_limit.TotalSeconds:0.#}s ({filled} of {buffer.Length} bytes)");
        }
    }

    public async Task SendAsync(SubstreamConnection connection, ReadOnlyMemory<byte> bytes, string what)
    {
        try
        {
            await connection.SendAsync(bytes, _timeout.Token);
        }
        catch (OperationCanceledException) when (_timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"could not send the {what} within {_limit.TotalSeconds:0.#}s");
        }
    }

    public void Dispose() => _timeout.Dispose();
}
