using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>
/// The runtime side of one actor: its instance, mailbox, children, watchers and supervision state.
/// Everything but the mailbox queues and the children container is touched only inside a mailbox run,
/// which the mailbox keeps single-threaded, so none of it needs locks.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    // The cell whose handler is running on this thread; Forward uses it to find the original sender.
    [ThreadStatic] private static ActorCell? _current;

    // The cell whose actor is being constructed on this thread; ActorBase's constructor binds to it.
    [ThreadStatic] private static ActorCell? _constructing;

    private readonly ActorSystem _system;
    private readonly Props _props;
    private readonly IInternalActorRef _parent;
    private readonly LocalActorRef _self;
    private readonly ChildrenContainer _children;
    private readonly DeathWatch _deathWatch = new();
    private TimerScheduler? _timers;
    private ILogger? _log;
    private ActorBase? _actor;
    private IActorRef _currentSender = ActorRefs.Nobody;
    private object? _currentMessage;
    private object? _failedMessage;
    private Exception? _failure;
    private List<LocalActorRef>? _escalatedFrom;
    private Exception? _pendingRecreateCause;
    private bool _suspended = true; // no user messages until Create succeeds
    private bool _failed;
    private bool _terminating;
    private bool _terminated;

    public ActorCell(ActorSystem system, Props props, IInternalActorRef parent, string path, string name)
    {
        _system = system;
        _props = props;
        _parent = parent;
        Mailbox = new Mailbox(this, system.Throughput);
        _self = new LocalActorRef(this, Mailbox, path, name);
        _children = new ChildrenContainer(path);
    }

    internal static ActorCell? Current => _current;

    internal static ActorCell? Constructing => _constructing;

    internal Mailbox Mailbox { get; }

    internal ActorSystem ActorSystem => _system;

    internal bool CanProcessUserMessages => !_suspended && !_terminating;

    internal bool IsTerminating => _terminating;

    internal ITimerScheduler Timers => _timers ??= new TimerScheduler(_self, _system.TimeProvider);

    public IActorRef Self => _self;

    public IActorRef Sender => _currentSender;

    public IActorRef Parent => _parent;

    public IReadOnlyCollection<IActorRef> Children => _children.Snapshot(includeStopping: true);

    ActorSystem IActorContext.System => _system;

    ILogger IActorContext.Log => _log ??= _system.LoggerFactory.CreateLogger(_self.Path);

    internal void Start() => Mailbox.PostSystem(SystemMessage.Create());

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        var childName = name is null ? _children.NextAutoName() : ValidateName(name);
        var child = new ActorCell(_system, props, _self, _self.Path + "/" + childName, childName);
        var stopAtOnce = _children.Reserve(childName, child._self);
        child.Start();
        if (stopAtOnce)
        {
            child._self.SendSystemMessage(SystemMessage.Terminate());
        }

        return child._self;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        // Marked now, removed only once it is gone: the name stays taken and a restart can wait for it.
        _children.MarkStopping(actor);
        (actor as IInternalActorRef)?.SendSystemMessage(SystemMessage.Terminate());
    }

    public void Watch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        _deathWatch.Watch(_self, actor);
    }

    public void Unwatch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        _deathWatch.Unwatch(_self, actor);
    }

    internal void PublishUnhandled(object message) =>
        _system.DeadLetterOffice.Publish(new DeadLetter(message, _currentSender, _self));

    internal void ToDeadLetters(object message, IActorRef sender)
    {
        // Ticks of a stopped actor's timers are noise, not lost messages.
        if (message is not TimerMessage)
        {
            _system.DeadLetterOffice.Publish(new DeadLetter(message, sender, _self));
        }
    }

    internal void OnRuntimeError(Exception exception) => Log.RuntimeError(_system.RuntimeLogger, _self.Path, exception);

    /// <summary>Runs one user message. Never throws: a handler's exception becomes a failure report.</summary>
    internal void Invoke(Envelope envelope)
    {
        _currentMessage = envelope.Message;
        _currentSender = envelope.Sender;
        _current = this;
        try
        {
            switch (envelope.Message)
            {
                case TimerMessage tick:
                    if (_timers?.Accept(tick) == true)
                    {
                        _currentMessage = tick.Message;
                        Receive(tick.Message);
                    }

                    break;
                case Terminated terminated:
                    // Only a Terminated still wanted (not unwatched since it was queued) reaches the actor.
                    if (_deathWatch.ConsumeTerminated(terminated.ActorRef))
                    {
                        Receive(terminated);
                    }

                    break;
                case PoisonPill:
                    Mailbox.PostSystem(SystemMessage.Terminate());
                    break;
                case Kill:
                    throw new ActorKilledException($"{_self.Path} received Kill");
                default:
                    Receive(envelope.Message);
                    break;
            }
        }
        catch (Exception ex)
        {
            Fail(ex, _currentMessage, escalatedFrom: null);
        }
        finally
        {
            _current = null;
            _currentMessage = null;
            _currentSender = ActorRefs.Nobody;
        }
    }

    internal void SystemInvoke(SystemMessage message)
    {
        try
        {
            if (_terminated)
            {
                // A dead actor still answers Watch, so watching it delivers Terminated promptly.
                if (message.Kind == SystemMessageKind.Watch && message.Subject is IInternalActorRef watcher)
                {
                    watcher.SendSystemMessage(SystemMessage.DeathWatchNotification(_self));
                }

                return;
            }

            switch (message.Kind)
            {
                case SystemMessageKind.Create:
                    Create();
                    break;
                case SystemMessageKind.Terminate:
                    Terminate();
                    break;
                case SystemMessageKind.Resume:
                    Resume();
                    break;
                case SystemMessageKind.Recreate:
                    Recreate(message.Cause!);
                    break;
                case SystemMessageKind.Failed:
                    HandleChildFailed(message.Subject!, message.Cause!);
                    break;
                case SystemMessageKind.Watch:
                    _deathWatch.AddWatcher(message.Subject!);
                    break;
                case SystemMessageKind.Unwatch:
                    _deathWatch.RemoveWatcher(message.Subject!);
                    break;
                case SystemMessageKind.DeathWatchNotification:
                    HandleDeathWatchNotification(message.Subject!);
                    break;
                default:
                    break;
            }
        }
        catch (Exception ex)
        {
            OnRuntimeError(ex);
        }
    }

    private static string ValidateName(string name)
    {
        // "$" is reserved for generated names so they can never collide with given ones.
        if (name.Length == 0 || name[0] == '$' || name.Contains('/', StringComparison.Ordinal) || name.Contains(' ', StringComparison.Ordinal))
        {
            throw new InvalidActorNameException($"Invalid actor name [{name}]: must be non-empty, must not start with '$' nor contain '/' or spaces");
        }

        return name;
    }

    private void Receive(object message)
    {
        var actor = _actor!;
        if (!actor.Receive(message))
        {
            actor.InvokeUnhandled(message);
        }
    }
}
