namespace Striper.Actors.Runtime;

/// <summary>
/// One cell's watch relations, touched only from that cell's mailbox run. The sets are created on first
/// use because most actors never watch anything.
/// </summary>
internal sealed class DeathWatch
{
    private HashSet<IActorRef>? _watching;
    private HashSet<IActorRef>? _terminatedQueued;
    private HashSet<IActorRef>? _watchedBy;

    public void Watch(IInternalActorRef self, IActorRef target)
    {
        if (ReferenceEquals(target, self))
        {
            return;
        }

        if (target is not IInternalActorRef internalTarget)
        {
            throw new ArgumentException($"{target.Path} cannot be watched: it is not a runtime actor ref", nameof(target));
        }

        if ((_watching ??= []).Add(target))
        {
            internalTarget.SendSystemMessage(SystemMessage.Watch(self));
        }
    }

    public void Unwatch(IInternalActorRef self, IActorRef target)
    {
        // Forgetting a queued Terminated here is what makes Unwatch final even when the target already died.
        _terminatedQueued?.Remove(target);
        if (_watching?.Remove(target) == true && target is IInternalActorRef internalTarget)
        {
            internalTarget.SendSystemMessage(SystemMessage.Unwatch(self));
        }
    }

    public void AddWatcher(IActorRef watcher) => (_watchedBy ??= []).Add(watcher);

    public void RemoveWatcher(IActorRef watcher) => _watchedBy?.Remove(watcher);

    /// <summary>A watched actor died: true when a Terminated should be queued for the actor.</summary>
    public bool OnWatchedTerminated(IActorRef actor)
    {
        if (_watching?.Remove(actor) != true)
        {
            return false;
        }

        (_terminatedQueued ??= []).Add(actor);
        return true;
    }

    /// <summary>A queued Terminated reached the front of the mailbox: deliver it only if still wanted.</summary>
    public bool ConsumeTerminated(IActorRef actor) => _terminatedQueued?.Remove(actor) == true;

    /// <summary>On death: notify every watcher once (the parent hears separately) and drop our own watches.</summary>
    public void OnSelfTerminated(IInternalActorRef self, IActorRef parent)
    {
        if (_watchedBy is not null)
        {
            foreach (var watcher in _watchedBy)
            {
                if (!ReferenceEquals(watcher, parent) && watcher is IInternalActorRef internalWatcher)
                {
                    internalWatcher.SendSystemMessage(SystemMessage.DeathWatchNotification(self));
                }
            }

            _watchedBy = null;
        }

        if (_watching is not null)
        {
            foreach (var watched in _watching)
            {
                ((IInternalActorRef)watched).SendSystemMessage(SystemMessage.Unwatch(self));
            }

            _watching = null;
        }

        _terminatedQueued = null;
    }
}
