using System.Net;

namespace Striper.Actors.Mdp;

/// <summary>
/// The budget for hellos that need public-key work: <c>rate</c> a second in all. Checking a hello with a key not yet
/// known takes an ECDH, so taking a token first bounds that CPU whatever arrives. The rate is split into up to
/// <see cref="MaxShards"/> token buckets, each holding one second of its share, and a hello's source address picks
/// its bucket (by a salted hash, the salt changing every second). One flooding address then spends one bucket's share
/// and the others stay open for newcomers; a flood from many (spoofed) addresses fills them all, which the total still
/// bounds. Used by the node actor only, so it needs no lock; time comes from the actor system's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class MdpHelloBudget
{
    /// <summary>Buckets at most; fewer for small rates, so that each share is at least eight hellos a second.</summary>
    public const int MaxShards = 16;

    private readonly TimeProvider _clock;
    private readonly double _share;
    private readonly double[] _tokens;
    private readonly long[] _refilledAt;
    private int _salt = Random.Shared.Next();
    private long _saltAt;

    public MdpHelloBudget(int perSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _clock = clock;
        Shards = Math.Clamp(perSecond / 8, 1, MaxShards);
        _share = (double)perSecond / Shards;
        _tokens = new double[Shards];
        _refilledAt = new long[Shards];
        var now = clock.GetTimestamp();
        _saltAt = now;
        Array.Fill(_tokens, _share);
        Array.Fill(_refilledAt, now);
    }

    public int Shards { get; }

    /// <summary>Hellos a second one bucket passes (and holds at most, after a quiet spell).</summary>
    public double Share => _share;

    /// <summary>True (and one token fewer in its bucket) when a hello from <paramref name="sender"/> may be checked now.</summary>
    public bool TryTake(SocketAddress sender)
    {
        var now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_saltAt, now) >= TimeSpan.FromSeconds(1))
        {
            // A newcomer that shares a flooder's bucket is in another one within a second.
            _salt = Random.Shared.Next();
            _saltAt = now;
        }

        var shard = ShardOf(sender);
        _tokens[shard] = Math.Min(_share, _tokens[shard] + (_clock.GetElapsedTime(_refilledAt[shard], now).TotalSeconds * _share));
        _refilledAt[shard] = now;
        if (_tokens[shard] < 1)
        {
            return false;
        }

        _tokens[shard]--;
        return true;
    }

    /// <summary>The bucket <paramref name="sender"/> draws on until the salt next changes.</summary>
    public int ShardOf(SocketAddress sender) => (int)((uint)HashCode.Combine(_salt, sender.GetHashCode()) % (uint)Shards);
}
