namespace Striper.Actors.Runtime;

/// <summary>Lifecycle signals; they bypass the user queue so they can overtake a backlog.</summary>
internal enum SystemMessageKind
{
    /// <summary>Construct the actor instance and run PreStart.</summary>
    Create,

    /// <summary>Stop: children first, then PostStop, then tell parent and watchers.</summary>
    Terminate,

    /// <summary>Supervisor decided Resume: continue with the next user message.</summary>
    Resume,

    /// <summary>Supervisor decided Restart (Cause = the failure).</summary>
    Recreate,

    /// <summary>A child failed (Subject = child, Cause = exception) and waits for a directive.</summary>
    Failed,

    /// <summary>Subject wants a DeathWatchNotification when the receiver dies.</summary>
    Watch,

    /// <summary>Subject no longer wants a DeathWatchNotification.</summary>
    Unwatch,

    /// <summary>Subject has terminated; sent to its parent and each watcher exactly once.</summary>
    DeathWatchNotification,
}
