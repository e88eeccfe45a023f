namespace Striper.Actors.Mdp;

/// <summary>
/// A token bucket for the hellos a node checks: <c>rate</c> tokens a second, holding at most one second's worth, so a
/// burst after a quiet spell (many neighbours meeting at once) passes while a sustained flood is held to the rate.
/// Checking a hello may take an ECDH with a new key; taking a token first bounds that CPU whatever arrives. Used by
/// the node actor only, so it needs no lock; time comes from the actor system's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class MdpHelloBudget
{
    private readonly TimeProvider _clock;
    private readonly double _rate;
    private double _tokens;
    private long _refilledAt;

    public MdpHelloBudget(int perSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _clock = clock;
        _rate = perSecond;
        _tokens = perSecond;
        _refilledAt = clock.GetTimestamp();
    }

    /// <summary>True (and one token fewer) when a hello may be checked now; false when the budget is spent.</summary>
    public bool TryTake()
    {
        var now = _clock.GetTimestamp();
        _tokens = Math.Min(_rate, _tokens + (_clock.GetElapsedTime(_refilledAt, now).TotalSeconds * _rate));
        _refilledAt = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
