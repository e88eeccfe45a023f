namespace Striper.Actors.Runtime;

/// <summary>
/// A parent's children by name. Locked because the user guardian's children are created and stopped by
/// ActorSystem.ActorOf/Stop from any thread; every other cell only touches it from its own mailbox run,
/// where the uncontended lock costs next to nothing (and none of this is on the per-message path).
/// </summary>
internal sealed class ChildrenContainer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ChildRestartStats> _byName = new(StringComparer.Ordinal);
    private readonly string _parentPath;
    private long _nextAutoName;
    private bool _shuttingDown;

    public ChildrenContainer(string parentPath)
    {
        _parentPath = parentPath;
    }

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _byName.Count == 0;
            }
        }
    }

    public bool AnyStopping
    {
        get
        {
            lock (_lock)
            {
                foreach (var stats in _byName.Values)
                {
                    if (stats.Stopping)
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

    public string NextAutoName()
    {
        // Same alphabet as Akka's generated names, so "$a", "$b", ... look familiar in logs.
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        var n = Interlocked.Increment(ref _nextAutoName) - 1;
        var chars = new List<char>(4) { '$' };
        do
        {
            chars.Add(Alphabet[(int)(n & 63)]);
            n >>= 6;
        }
        while (n != 0);
        return new string([.. chars]);
    }

    /// <summary>
    /// Claims <paramref name="name"/> for <paramref name="child"/>. Returns true when the parent is already
    /// shutting down: the caller must then stop the child at once, or the parent would wait for it forever.
    /// Checking and claiming under one lock closes the race with a concurrent shutdown.
    /// </summary>
    public bool Reserve(string name, LocalActorRef child)
    {
        lock (_lock)
        {
            if (!_byName.TryAdd(name, new ChildRestartStats(child) { Stopping = _shuttingDown }))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique under [{_parentPath}]");
            }

            return _shuttingDown;
        }
    }

    public bool TryGetStats(IActorRef child, out ChildRestartStats stats)
    {
        lock (_lock)
        {
            if (child is LocalActorRef local && _byName.TryGetValue(local.Name, out var found) && ReferenceEquals(found.Child, child))
            {
                stats = found;
                return true;
            }

            stats = null!;
            return false;
        }
    }

    /// <summary>Marks a child as stopping; false when it is not (or no longer) a child.</summary>
    public bool MarkStopping(IActorRef child)
    {
        lock (_lock)
        {
            if (child is LocalActorRef local && _byName.TryGetValue(local.Name, out var found) && ReferenceEquals(found.Child, child))
            {
                found.Stopping = true;
                return true;
            }

            return false;
        }
    }

    /// <summary>Marks every child stopping and refuses new ones from now on; returns the children to stop.</summary>
    public LocalActorRef[] ShutDown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
            var result = new LocalActorRef[_byName.Count];
            var i = 0;
            foreach (var stats in _byName.Values)
            {
                stats.Stopping = true;
                result[i++] = stats.Child;
            }

            return result;
        }
    }

    /// <summary>Frees the child's name; false when it was not a child.</summary>
    public bool Remove(IActorRef child)
    {
        lock (_lock)
        {
            return child is LocalActorRef local
                && _byName.TryGetValue(local.Name, out var found)
                && ReferenceEquals(found.Child, child)
                && _byName.Remove(local.Name);
        }
    }

    public LocalActorRef[] Snapshot(bool includeStopping)
    {
        lock (_lock)
        {
            var result = new List<LocalActorRef>(_byName.Count);
            foreach (var stats in _byName.Values)
            {
                if (includeStopping || !stats.Stopping)
                {
                    result.Add(stats.Child);
                }
            }

            return [.. result];
        }
    }
}
