namespace Striper.Actors.Runtime;

/// <summary>
/// An actor whose behaviour is a list of typed handlers registered in the constructor (or in
/// <see cref="Become"/>). Matching walks the list and runs the first handler whose type (and optional
/// predicate) fits: a type test per handler, no reflection per message.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    // Non-null while registering is allowed: during construction, and inside Become's configure.
    private List<Func<object, bool>>? _registering = [];
    private Func<object, bool>[] _behaviour = [];
    private bool _becameDuringConstruction;

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var handlers = Registering();
        if (shouldHandle is null)
        {
            handlers.Add(message =>
            {
                if (message is T typed)
                {
                    handler(typed);
                    return true;
                }

                return false;
            });
        }
        else
        {
            handlers.Add(message =>
            {
                if (message is T typed && shouldHandle(typed))
                {
                    handler(typed);
                    return true;
                }

                return false;
            });
        }
    }

    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Registering().Add(message =>
        {
            handler(message);
            return true;
        });
    }

    /// <summary>
    /// Replaces the whole current behaviour with the handlers <paramref name="configure"/> registers
    /// (no behaviour stack). Called from a constructor, it replaces the constructor's registrations.
    /// </summary>
    protected void Become(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var outer = _registering;
        var handlers = new List<Func<object, bool>>();
        _registering = handlers;
        try
        {
            configure();
        }
        finally
        {
            _registering = outer;
        }

        _behaviour = [.. handlers];
        _becameDuringConstruction |= outer is not null;
    }

    protected internal sealed override bool Receive(object message)
    {
        foreach (var handler in _behaviour)
        {
            if (handler(message))
            {
                return true;
            }
        }

        return false;
    }

    internal override void OnConstructed()
    {
        if (!_becameDuringConstruction && _registering is { } initial)
        {
            _behaviour = [.. initial];
        }

        _registering = null;
    }

    private List<Func<object, bool>> Registering() =>
        _registering ?? throw new InvalidOperationException(
            "Receive handlers can only be registered in the constructor or inside Become()");
}
