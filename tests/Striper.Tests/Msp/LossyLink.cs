using Akka.Actor;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

/// <summary>
/// One direction of an in-process datagram link with seeded, repeatable misbehaviour: loss, reordering (a held packet
/// is released after a few later ones, or by a periodic flush when traffic stops), duplication and single-bit
/// corruption. Datagrams sent before <see cref="Target"/> is set are queued, so two actors can be wired to each other.
/// </summary>
internal sealed class LossyLink : IDatagramLink, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly LossyLinkOptions _options;
    private readonly List<(byte[] Datagram, int ReleaseAfter)> _held = [];
    private readonly List<byte[]> _beforeTarget = [];
    private readonly ITimer _flush;
    private IActorRef? _target;

    public LossyLink(LossyLinkOptions options, int seed, TimeProvider? clock = null)
    {
        _options = options;
        _random = new Random(seed);
        _flush = (clock ?? TimeProvider.System).CreateTimer(_ => FlushHeld(), null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
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

    public void Dispose() => _flush.Dispose();

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
