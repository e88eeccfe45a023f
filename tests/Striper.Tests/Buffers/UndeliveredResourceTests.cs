using Akka.Actor;
using Akka.Event;
using Striper.Actors.Buffers;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Buffers;

/// <summary>A message that hands over a buffer gives it back when nobody can take it (IOwnsResources).</summary>
public sealed class UndeliveredResourceTests : StriperTestKit
{
    [Fact]
    public void A_buffer_sent_to_a_stopped_actor_should_go_back_to_the_pool_once_its_dead_letter_is_published()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(AllDeadLetters));
        var actor = ActorOf(Props.Create(() => new Ignorer()), "stopped");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        var lease = BufferLease.CopyOf(new byte[100]);
        actor.Tell(new EdgeData(lease));

        Assert.IsType<EdgeData>(deadLetters.ExpectMsg<AllDeadLetters>().Message);
        // The actor system's UndeliveredBuffers listener hears the same dead letter and gives the buffer back.
        AwaitAssert(() => Assert.Throws<ObjectDisposedException>(() => lease.Span.Length));
    }

    [Fact]
    public void A_buffer_an_actor_does_not_handle_should_go_back_to_the_pool()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(AllDeadLetters));
        var actor = ActorOf(Props.Create(() => new Ignorer()), "ignorer");

        var lease = BufferLease.CopyOf(new byte[100]);
        actor.Tell(new DataReceived(0, 0, 0, lease));

        Assert.IsType<DataReceived>(deadLetters.ExpectMsg<AllDeadLetters>().Message);
        // The actor system's UndeliveredBuffers listener hears the same dead letter and gives the buffer back.
        AwaitAssert(() => Assert.Throws<ObjectDisposedException>(() => lease.Span.Length));
    }

    [Fact]
    public void Orphaned_leases_should_each_go_back_once_however_often_they_were_left()
    {
        var orphans = new OrphanedLeases();
        var first = BufferLease.CopyOf(new byte[10]);
        var second = BufferLease.CopyOf(new byte[10]);
        orphans.Add(first);
        orphans.Add(second);
        orphans.Add(first);

        orphans.ReturnAll();
        orphans.ReturnAll();

        Assert.Throws<ObjectDisposedException>(() => first.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => second.Span.Length);
    }

    private sealed class Ignorer : ReceiveActor
    {
        public Ignorer() => Receive<string>(_ => { });
    }
}
