namespace Striper.Actors.Runtime;

/// <summary>
/// The life-cycle half of <see cref="ActorCell"/>: creating the instance, stopping (children first) and
/// reacting to the death of children and watched actors.
/// </summary>
internal sealed partial class ActorCell
{
    private ActorBase NewActor()
    {
        _constructing = this;
        ActorBase actor;
        try
        {
            actor = _props.NewActor();
        }
        finally
        {
            _constructing = null;
        }

        if (actor is null || !ReferenceEquals(actor.Cell, this))
        {
            throw new InvalidOperationException($"The Props factory of {_self.Path} must return a new actor instance on every call");
        }

        actor.OnConstructed();
        return actor;
    }

    private void Create()
    {
        try
        {
            _actor = NewActor();
            _actor.InvokePreStart();
            _suspended = false;
        }
        catch (Exception ex)
        {
            _actor = null;
            Fail(new ActorInitializationException(_self, ex), message: null, escalatedFrom: null);
        }
    }

    private void Terminate()
    {
        if (_terminating)
        {
            return;
        }

        _terminating = true;
        _pendingRecreateCause = null;
        _timers?.CancelAll();
        foreach (var child in _children.ShutDown())
        {
            child.SendSystemMessage(SystemMessage.Terminate());
        }

        if (_children.IsEmpty)
        {
            FinishTerminate();
        }
    }

    // Runs once the last child is gone, so children always stop before their parent's PostStop.
    private void FinishTerminate()
    {
        var actor = _actor;
        _actor = null;
        if (actor is not null)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception ex)
            {
                Log.HookFailed(_system.RuntimeLogger, _self.Path, "PostStop", ex);
            }
        }

        _timers?.CancelAll();
        _terminated = true;
        Mailbox.Close();
        _parent.SendSystemMessage(SystemMessage.DeathWatchNotification(_self));
        _deathWatch.OnSelfTerminated(_self, _parent);
    }

    private void HandleDeathWatchNotification(IActorRef actor)
    {
        if (_children.Remove(actor))
        {
            if (_terminating)
            {
                if (_children.IsEmpty)
                {
                    FinishTerminate();
                }

                return;
            }

            if (_pendingRecreateCause is { } cause && !_children.AnyStopping)
            {
                _pendingRecreateCause = null;
                FinishRecreate(cause);
            }
        }

        if (!_terminating && _deathWatch.OnWatchedTerminated(actor))
        {
            Mailbox.Post(new Terminated(actor), actor);
        }
    }
}
