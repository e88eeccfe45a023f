using System.Text;
using Akka.Actor;

namespace Striper.Tests.Support;

/// <summary>
/// The tree of an actor system's live user actors, one path a line: what a test prints when a shutdown hangs or a
/// connection's actors outlive it. It walks Akka's local actor cells, so it sees exactly the actors that exist.
/// </summary>
internal static class LiveActors
{
    public static string DescribeLiveActors(this ActorSystem system)
    {
        var text = new StringBuilder();
        if (system is ExtendedActorSystem extended)
        {
            Describe(extended.Guardian, 0, text);
        }

        return text.ToString();
    }

    private static void Describe(IActorRef actor, int depth, StringBuilder text)
    {
        text.Append(' ', depth * 2).Append(actor.Path.ToStringWithoutAddress()).Append('\n');
        if (actor is ActorRefWithCell { IsTerminated: false } withCell)
        {
            foreach (var child in withCell.Children)
            {
                Describe(child, depth + 1, text);
            }
        }
    }
}
