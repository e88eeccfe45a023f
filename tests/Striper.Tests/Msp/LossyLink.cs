using Akka.Actor;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

/// <summary>
/// One direction of an in-process datagram link with seeded, repeatable misbehaviour: loss, reordering (a held packet
/// is released after a few later ones, or by a periodic flush when traffic stops), duplication and single-bit
/// corruption. Datagrams sent before <see cref="Target"/> is set are queued, so two actors can be wired to each other.
/// <para>
/// As a path (<see cref="LossyLinkOptions.IsPath"/>) on a virtual clock: after random loss, a datagram waits in a
/// drop-tail queue for a bottleneck of <see cref="BytesPerSecond"/> (changeable while running), then travels for the
/// one-way delay; nothing is delivered until the test calls <see cref="DeliverDue"/> (see <see cref="PathSimulation"/>),
/// so the whole run happens on the test's thread in virtual time. Queueing delay is measured per datagram.
/// </para>
/// </summary>
internal sealed class LossyLink : IDatagramLink, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly LossyLinkOptions _options;
    private readonly List<(byte[] Datagram, int ReleaseAfter)> _held = [];
    private readonly List<byte[]> _beforeTarget = [];
    private readonly ITimer? _flush;
    private readonly TimeProvider _clock;
    private readonly Queue<(long Arrival, byte[] Datagram)> _inFlight = new();
    private long _busyUntil;
    private IActorRef? _target;

    public LossyLink(LossyLinkOptions options, int seed, TimeProvider? clock = null)
    {
        _options = options;
        _random = new Random(seed);
        _clock = clock ?? TimeProvider.System;
        BytesPerSecond = options.BytesPerSecond;

        // A path on a virtual clock has no timer thread: held datagrams are released by later ones only.
        if (!options.IsPath)
        {
            _flush = _clock.CreateTimer(_ => FlushHeld(), null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>The bottleneck's rate now (a path only); a test may change it while running.</summary>
    public double BytesPerSecond { get; set; }

    /// <summary>Datagrams the drop-tail queue refused.</summary>
    public long QueueDropped { get; private set; }

    /// <summary>Bytes that crossed the bottleneck.</summary>
    public long BottleneckBytes { get; private set; }

    /// <summary>Sum of the time datagrams waited in the queue, in clock ticks, and how many were measured (both resettable).</summary>
    public long QueueDelayTotal { get; set; }

    public long QueueDelaySamples { get; set; }

    /// <summary>The longest wait in the queue, in clock ticks (resettable).</summary>
    public long QueueDelayMax { get; set; }

    /// <summary>When the next datagram arrives at the far end, or <see cref="long.MaxValue"/>.</summary>
    public long NextArrival
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count == 0 ? long.MaxValue : _inFlight.Peek().Arrival;
            }
        }
    }

    /// <summary>Delivers every datagram that has arrived by <paramref name="now"/> (clock timestamp), in order.</summary>
    public void DeliverDue(long now)
    {
        while (true)
        {
            byte[] datagram;
            lock (_lock)
            {
                if (_inFlight.Count == 0 || _inFlight.Peek().Arrival > now)
                {
                    return;
                }

                datagram = _inFlight.Dequeue().Datagram;
            }

            // Outside the lock: on a calling-thread dispatcher the target runs right here and may send on this link.
            _target?.Tell(new MspProtocol.DatagramReceived(datagram));
        }
    }

    public IActorRef? Target
    {
        get
        {
            lock (_lock)
            {
                return _target;
            }
        }

        set
        {
            lock (_lock)
            {
                _target = value;
                foreach (var datagram in _beforeTarget)
                {
                    Deliver(datagram);
                }

                _beforeTarget.Clear();
            }
        }
    }

    /// <summary>While set, every datagram is lost.</summary>
    public bool Blackhole { get; set; }

    public long Sent { get; private set; }

    public long Dropped { get; private set; }

    public long Reordered { get; private set; }

    public long Duplicated { get; private set; }

    public long Corrupted { get; private set; }

    public void Send(ReadOnlyMemory<byte> datagram)
    {
        lock (_lock)
        {
            Sent++;
            if (Blackhole || _random.NextDouble() < _options.Loss)
            {
                Dropped++;
                return;
            }

            var copy = datagram.ToArray();
            if (_options.IsPath)
            {
                Enqueue(copy);
                return;
            }

            if (_random.NextDouble() < _options.Corruption)
            {
                Corrupted++;
                var bit = _random.Next(copy.Length * 8);
                copy[bit / 8] ^= (byte)(1 << (bit % 8));
            }

            var duplicate = _random.NextDouble() < _options.Duplication;
            if (_random.NextDouble() < _options.Reordering)
            {
                Reordered++;
                _held.Add((copy, _random.Next(1, _options.ReorderDepth + 1)));
            }
            else
            {
                Deliver(copy);
                ReleaseHeld(countOne: true);
            }

            if (duplicate)
            {
                Duplicated++;
                Deliver(copy);
            }
        }
    }

    public void Dispose() => _flush?.Dispose();

    private void Enqueue(byte[] datagram)
    {
        var now = _clock.GetTimestamp();
        var frequency = (double)_clock.TimestampFrequency;
        var start = Math.Max(now, _busyUntil);
        if (BytesPerSecond > 0)
        {
            var queued = (start - now) / frequency * BytesPerSecond;
            if (_options.QueueBytes > 0 && queued + datagram.Length > _options.QueueBytes)
            {
                QueueDropped++;
                Dropped++;
                return;
            }

            _busyUntil = start + (long)(datagram.Length / BytesPerSecond * frequency);
        }
        else
        {
            _busyUntil = start;
        }

        var wait = start - now;
        QueueDelayTotal += wait;
        QueueDelaySamples++;
        QueueDelayMax = Math.Max(QueueDelayMax, wait);
        BottleneckBytes += datagram.Length;
        _inFlight.Enqueue((_busyUntil + (long)(_options.Delay.TotalSeconds * frequency), datagram));
    }

    private void ReleaseHeld(bool countOne)
    {
        for (var i = 0; i < _held.Count; i++)
        {
            var (datagram, after) = _held[i];
            after = countOne ? after - 1 : 0;
            if (after <= 0)
            {
                Deliver(datagram);
                _held.RemoveAt(i);
                i--;
            }
            else
            {
                _held[i] = (datagram, after);
            }
        }
    }

    private void FlushHeld()
    {
        lock (_lock)
        {
            ReleaseHeld(countOne: false);
        }
    }

    private void Deliver(byte[] datagram)
    {
        if (_target is null)
        {
            _beforeTarget.Add(datagram);
            return;
        }

        _target.Tell(new MspProtocol.DatagramReceived(datagram));
    }
}
