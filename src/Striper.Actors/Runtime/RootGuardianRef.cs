using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>
/// The parent of the user guardian. It is not an actor: all it does is log a failure that escalated this
/// far (and keep the guardian running, because a proxy must not die of one bad connection) and complete
/// the system's termination once the guardian is gone.
/// </summary>
internal sealed partial class RootGuardianRef : IInternalActorRef
{
    private readonly ActorSystem _system;

    public RootGuardianRef(ActorSystem system, string path)
    {
        _system = system;
        Path = path;
    }

    public string Path { get; }

    public void Tell(object message, IActorRef? sender = null) => _system.DeadLetters.Tell(message, sender);

    public void SendSystemMessage(SystemMessage message)
    {
        switch (message.Kind)
        {
            case SystemMessageKind.Failed when message.Subject is IInternalActorRef guardian:
                Log.EscalatedToRoot(_system.RuntimeLogger, guardian.Path, message.Cause!.GetType().Name, message.Cause);
                guardian.SendSystemMessage(SystemMessage.Resume());
                break;
            case SystemMessageKind.DeathWatchNotification:
                _system.OnGuardianTerminated();
                break;
            default:
                break;
        }
    }

    public override string ToString() => Path;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Warning,
            Message = "Failure escalated to the root from {Path} ({ExceptionType}); resuming the guardian")]
        public static partial void EscalatedToRoot(ILogger logger, string path, string exceptionType, Exception exception);
    }
}
