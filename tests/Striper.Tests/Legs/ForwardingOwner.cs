using Akka.Actor;

namespace Striper.Tests.Legs;

/// <summary>
/// The first owner of a test's MSP stream: it keeps what the stream tells it until it learns the real owner (a leg
/// that can only be created once the stream exists), then passes everything on, so nothing the stream says in
/// between is lost, whichever of the hand-over and the first packets comes first.
/// </summary>
internal sealed class ForwardingOwner : ReceiveActor
{
    private readonly List<(object Message, IActorRef Sender)> _kept = [];
    private IActorRef? _target;

    public ForwardingOwner()
    {
        Receive<ForwardTo>(m =>
        {
            _target = m.Target;
            foreach (var (message, sender) in _kept)
            {
                _target.Tell(message, sender);
            }

            _kept.Clear();
        });
        ReceiveAny(message =>
        {
            if (_target is null)
            {
                _kept.Add((message, Sender));
            }
            else
            {
                _target.Forward(message);
            }
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ForwardingOwner());

    public sealed record ForwardTo(IActorRef Target);
}
