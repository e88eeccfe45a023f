using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>The failure half of <see cref="ActorCell"/>: reporting failures up and applying directives.</summary>
internal sealed partial class ActorCell
{
    /// <summary>
    /// Suspends this actor and reports <paramref name="cause"/> to the parent, whose single directive then
    /// decides its fate. A second failure while waiting is not reported again.
    /// </summary>
    private void Fail(Exception cause, object? message, LocalActorRef? escalatedFrom)
    {
        if (escalatedFrom is not null)
        {
            (_escalatedFrom ??= []).Add(escalatedFrom);
        }

        if (_failed)
        {
            return;
        }

        _failed = true;
        _suspended = true;
        _failure = cause;
        _failedMessage = message;
        _parent.SendSystemMessage(SystemMessage.Failed(_self, cause));
    }

    private void Resume()
    {
        if (_terminating || !_failed)
        {
            return;
        }

        if (_actor is null)
        {
            // The instance never came up, so there is nothing to resume: only a new one can carry on.
            Recreate(_failure!);
            return;
        }

        _failed = false;
        _failure = null;
        _failedMessage = null;
        _suspended = false;
        // Children whose failures this actor escalated were waiting on its fate: it carries on, so do they.
        if (_escalatedFrom is { } escalated)
        {
            _escalatedFrom = null;
            foreach (var child in escalated)
            {
                child.SendSystemMessage(SystemMessage.Resume());
            }
        }
    }

    private void Recreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }

        _suspended = true;
        _timers?.CancelAll();
        if (_actor is { } failed)
        {
            try
            {
                failed.InvokePreRestart(cause, _failedMessage);
            }
            catch (Exception ex)
            {
                Log.HookFailed(_system.RuntimeLogger, _self.Path, "PreRestart", ex);
            }
        }

        _actor = null;
        _failedMessage = null;
        // Children stopped by PreRestart keep their names until they are gone; the new instance may want
        // the same names, so it is created only after they have terminated.
        if (_children.AnyStopping)
        {
            _pendingRecreateCause = cause;
            return;
        }

        FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        var survivors = _children.Snapshot(includeStopping: false);
        _failed = false;
        _failure = null;
        _escalatedFrom = null;
        try
        {
            _actor = NewActor();
            _actor.InvokePostRestart(cause);
            _suspended = false;
        }
        catch (Exception ex)
        {
            _actor = null;
            Fail(new ActorInitializationException(_self, ex), message: null, escalatedFrom: null);
        }

        // As in Akka: children the old instance kept are restarted too, since the state they were built
        // against is gone.
        foreach (var child in survivors)
        {
            child.SendSystemMessage(SystemMessage.Recreate(cause));
        }
    }

    private void HandleChildFailed(IActorRef child, Exception cause)
    {
        // A stopping child's failure no longer matters, nor does any child's once we are going down.
        if (_terminating || !_children.TryGetStats(child, out var stats) || stats.Stopping)
        {
            return;
        }

        Directive directive;
        try
        {
            var strategy = _props.SupervisorStrategy ?? _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.Default;
            directive = strategy.HandleFailure(stats, cause, _system.TimeProvider);
        }
        catch (Exception ex)
        {
            Log.HookFailed(_system.RuntimeLogger, _self.Path, "SupervisorStrategy", ex);
            directive = Directive.Stop;
        }

        Log.ChildFailed(_system.RuntimeLogger, child.Path, cause.GetType().Name, directive, cause);
        switch (directive)
        {
            case Directive.Resume:
                stats.Child.SendSystemMessage(SystemMessage.Resume());
                break;
            case Directive.Restart:
                stats.Child.SendSystemMessage(SystemMessage.Recreate(cause));
                break;
            case Directive.Stop:
                Stop(child);
                break;
            default:
                Fail(cause, message: null, escalatedFrom: stats.Child);
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Warning,
            Message = "Actor {Path} failed with {ExceptionType}; supervisor directive: {Directive}")]
        public static partial void ChildFailed(ILogger logger, string path, string exceptionType, Directive directive, Exception exception);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "{Hook} of {Path} threw; continuing")]
        public static partial void HookFailed(ILogger logger, string path, string hook, Exception exception);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Actor runtime error in {Path}")]
        public static partial void RuntimeError(ILogger logger, string path, Exception exception);
    }
}
