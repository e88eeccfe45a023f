using Striper.Actors.Buffers;

namespace Striper.Actors.Metrics;

/// <summary>
/// Turns a proxy's counters into <see cref="ProxyStatus"/> samples. Rates are differences between this sample and
/// the one before, so whoever samples at a steady pace (the control endpoint, once a second) gets steady rates; a
/// connection seen for the first time is rated from its start. One caller at a time.
/// </summary>
public sealed class StatusSampler
{
    private readonly ProxyDescription _description;
    private readonly ProxyMetrics _metrics;
    private readonly BufferBudget? _buffers;
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _started;
    private Dictionary<Guid, Previous> _previous = [];
    private DateTimeOffset _previousTime;
    private long _previousOut;
    private long _previousIn;

    public StatusSampler(ProxyDescription description, ProxyMetrics metrics, BufferBudget? buffers, TimeProvider? clock = null)
    {
        _description = description;
        _metrics = metrics;
        _buffers = buffers;
        _clock = clock ?? TimeProvider.System;
        _started = _clock.GetUtcNow();
        _previousTime = _started;
    }

    public ProxyStatus Sample()
    {
        var now = _clock.GetUtcNow();
        var connections = new List<ConnectionStatus>();
        var seen = new Dictionary<Guid, Previous>();
        foreach (var connection in _metrics.Connections.OrderBy(c => c.OpenedAt))
        {
            var described = Describe(connection, now, _previous.GetValueOrDefault(connection.Id));
            connections.Add(described);
            seen[connection.Id] = new Previous(now, described.BytesOut, described.BytesIn, SentByIndex(connection, described));
        }

        var bytesOut = _metrics.BytesOut;
        var bytesIn = _metrics.BytesIn;
        var seconds = (now - _previousTime).TotalSeconds;
        var status = new ProxyStatus(
            _description.Role,
            _description.Listen,
            _description.Remote,
            _description.TcpCongestionControl,
            now,
            (now - _started).TotalSeconds,
            _metrics.SessionsOpened,
            _metrics.SessionsActive,
            bytesOut,
            bytesIn,
            Rate(bytesOut - _previousOut, seconds),
            Rate(bytesIn - _previousIn, seconds),
            _metrics.ResentBytes,
            _metrics.SubstreamsLost,
            _metrics.Redials,
            _buffers?.Limit ?? 0,
            _buffers?.InUse ?? 0,
            connections);
        _previous = seen;
        _previousTime = now;
        _previousOut = bytesOut;
        _previousIn = bytesIn;
        return status;
    }

    private static ConnectionStatus Describe(ConnectionStats connection, DateTimeOffset now, Previous? previous)
    {
        var since = previous?.Time ?? connection.OpenedAt;
        var seconds = (now - since).TotalSeconds;
        var substreams = connection.Substreams;
        // Read each counter once: the Striper keeps adding while we look, and shares must add up to one.
        var sentNow = substreams.Select(s => s.BytesSent).ToArray();
        var sentTotal = sentNow.Sum();
        var described = new List<SubstreamStatus>(substreams.Count);
        for (var i = 0; i < substreams.Count; i++)
        {
            var s = substreams[i];
            if (s.State == SubstreamState.Unused)
            {
                continue;
            }

            var sent = sentNow[i];
            var before = previous is { } p && i < p.SubstreamBytes.Length ? p.SubstreamBytes[i] : 0;
            described.Add(new SubstreamStatus(
                s.Index,
                s.Transport,
                s.State.ToString().ToLowerInvariant(),
                s.SmoothedRtt?.TotalMilliseconds,
                s.DeliveryRate,
                s.InFlight,
                sent,
                sentTotal > 0 ? (double)sent / sentTotal : 0,
                Rate(sent - before, seconds),
                s.Redials,
                s.Transport == "msp" ? s.Msp : null));
        }

        var bytesOut = connection.BytesOut;
        var bytesIn = connection.BytesIn;
        return new ConnectionStatus(
            connection.Id,
            connection.Peer,
            connection.Target,
            (now - connection.OpenedAt).TotalSeconds,
            bytesOut,
            bytesIn,
            Rate(bytesOut - (previous?.BytesOut ?? 0), seconds),
            Rate(bytesIn - (previous?.BytesIn ?? 0), seconds),
            connection.ResentBytes,
            described);
    }

    /// <summary>What each index had sent at this sample (indices not shown, never used, count 0).</summary>
    private static long[] SentByIndex(ConnectionStats connection, ConnectionStatus described)
    {
        var sent = new long[connection.Substreams.Count];
        foreach (var substream in described.Substreams)
        {
            sent[substream.Index] = substream.BytesSent;
        }

        return sent;
    }

    private static double Rate(long bytes, double seconds) => seconds > 0 ? Math.Max(0, bytes) / seconds : 0;

    private sealed record Previous(DateTimeOffset Time, long BytesOut, long BytesIn, long[] SubstreamBytes);
}
