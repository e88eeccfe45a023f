using Akka.Actor;

namespace Striper.Actors.Proxy;

/// <summary>
/// Who asked a proxy to drain, until its last session has ended. Used by the proxy actor alone, so it needs no lock.
/// </summary>
internal sealed class DrainWaiters
{
    private readonly List<IActorRef> _waiting = [];

    public bool IsDraining { get; private set; }

    /// <summary>From now on the proxy refuses new connections; the asker hears it has begun.</summary>
    public void Start(IActorRef asker)
    {
        IsDraining = true;
        asker.Tell(ProxyProtocol.Draining.Instance);
    }

    /// <summary>The asker hears <see cref="ProxyProtocol.Drained"/> when no session is open: at once, if none is.</summary>
    public void Add(IActorRef asker, int openSessions)
    {
        _waiting.Add(asker);
        SessionsLeft(openSessions);
    }

    /// <summary>Called whenever a session ends: with none left, every asker hears <see cref="ProxyProtocol.Drained"/>.</summary>
    public void SessionsLeft(int openSessions)
    {
        if (openSessions > 0 || _waiting.Count == 0)
        {
            return;
        }

        foreach (var asker in _waiting)
        {
            asker.Tell(ProxyProtocol.Drained.Instance);
        }

        _waiting.Clear();
    }
}
