using Microsoft.Extensions.Logging;

namespace Striper.Actors.Runtime;

/// <summary>
/// Owns the actor hierarchy: "striper://{name}/user" is the guardian of every actor created with
/// <see cref="ActorOf"/>. Terminating the system stops the guardian, which stops its children first.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _guardian;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _terminateRequested;

    private ActorSystem(string name, ActorSystemOptions options)
    {
        Name = name;
        TimeProvider = options.TimeProvider;
        LoggerFactory = options.LoggerFactory;
        Throughput = options.Throughput;
        RuntimeLogger = LoggerFactory.CreateLogger("Striper.Actors.Runtime");
        DeadLetterOffice = new DeadLetterOffice(LoggerFactory.CreateLogger("Striper.Actors.Runtime.DeadLetters"), TimeProvider);
        var root = "striper://" + name;
        DeadLetters = new DeadLetterRef(DeadLetterOffice, root + "/deadLetters");
        _guardian = new ActorCell(this, Props.Create(static () => new GuardianActor()), new RootGuardianRef(this, root), root + "/user", "user");
        _guardian.Start();
    }

    public string Name { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    public IActorRef DeadLetters { get; }

    /// <summary>Completes once every actor has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal int Throughput { get; }

    internal ILogger RuntimeLogger { get; }

    internal DeadLetterOffice DeadLetterOffice { get; }

    public static ActorSystem Create(string name, ActorSystemOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                throw new ArgumentException($"Invalid actor system name [{name}]: use ASCII letters, digits, '-' and '_'", nameof(name));
            }
        }

        options ??= new ActorSystemOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentNullException.ThrowIfNull(options.LoggerFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Throughput, 1);
        return new ActorSystem(name, options);
    }

    /// <summary>Creates a top-level actor ("striper://{system}/user/{name}"), supervised with the default strategy.</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        if (Volatile.Read(ref _terminateRequested) != 0)
        {
            throw new InvalidOperationException($"Actor system {Name} is terminating; no new actors can be created");
        }

        return _guardian.ActorOf(props, name);
    }

    public void Stop(IActorRef actor) => _guardian.Stop(actor);

    /// <summary>Stops all actors (children before parents); idempotent.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0)
        {
            ((IInternalActorRef)_guardian.Self).SendSystemMessage(SystemMessage.Terminate());
        }

        return WhenTerminated;
    }

    public ValueTask DisposeAsync() => new(Terminate());

    /// <summary>
    /// One line per live actor, indented by depth, with whether it is stopping: what to print when a termination
    /// takes too long, so the actor that holds it up is named instead of guessed.
    /// </summary>
    public string DescribeLiveActors()
    {
        var text = new System.Text.StringBuilder();
        Describe(_guardian, 0);
        return text.ToString();

        void Describe(ActorCell cell, int depth)
        {
            text.Append(' ', depth * 2).Append(cell.Self.Path)
                .Append(cell.IsTerminating ? " (stopping)" : string.Empty).Append('\n');
            foreach (var child in cell.Children)
            {
                if (child is LocalActorRef local)
                {
                    Describe(local.Cell, depth + 1);
                }
            }
        }
    }

    public override string ToString() => "striper://" + Name;

    /// <summary>Test hook: <paramref name="subscriber"/> receives every <see cref="DeadLetter"/> from now on.</summary>
    internal void SubscribeDeadLetters(IActorRef subscriber) => DeadLetterOffice.Subscribe(subscriber);

    internal void UnsubscribeDeadLetters(IActorRef subscriber) => DeadLetterOffice.Unsubscribe(subscriber);

    internal void OnGuardianTerminated() => _terminated.TrySetResult();
}
