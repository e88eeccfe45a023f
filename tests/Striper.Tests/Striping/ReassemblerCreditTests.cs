using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Buffers;
using Striper.Actors.Legs;
using Striper.Actors.Settings;
using Striper.Actors.Striping;
using Striper.Tests.Support;
using static Striper.Actors.Striping.StriperProtocol;

namespace Striper.Tests.Striping;

/// <summary>
/// The Reassembler's credit on virtual time: it grows while the sender uses it, stops at its ceiling and at the
/// proxy's buffer budget, and shrinks (handing bytes back to the budget) once the connection goes quiet.
/// </summary>
public sealed class ReassemblerCreditTests : StriperTestKit
{
    private const int Chunk = 64 * 1024;
    private const long Initial = 4 * Chunk;
    private readonly TestProbe _parent;
    private readonly TestProbe _edge;
    private readonly TestProbe _sub;
    private long _sent;

    public ReassemblerCreditTests()
        : base(manualTime: true)
    {
        _parent = CreateTestProbe();
        _edge = CreateTestProbe();
        _sub = CreateTestProbe();
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void Credit_should_grow_while_the_sender_fills_it_up_to_the_ceiling()
    {
        var reassembler = Start(StriperSettings.Default with { ChunkSize = Chunk, CreditWindow = 32 * Initial }, BufferBudget.CreateUnlimited());
        var limit = _sub.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit;
        Assert.Equal(Initial, limit);

        // A sender held back by credit sends right up to every limit it hears; the edge writes as fast as data comes.
        for (var round = 0; round < 12; round++)
        {
            limit = FillTo(reassembler, limit, write: true);
        }

        // Window updates go out in steps of a quarter of the reach, so the last one heard may be short of it by that.
        var reach = limit - _sent;
        Assert.InRange(reach, 32 * Initial * 3 / 4, 32 * Initial);
    }

    [Fact]
    public void Credit_should_stop_where_the_buffer_budget_does()
    {
        var budget = new BufferBudget(2 * Initial);
        var reassembler = Start(StriperSettings.Default with { ChunkSize = Chunk }, budget);
        var limit = _sub.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit;

        for (var round = 0; round < 8; round++)
        {
            limit = FillTo(reassembler, limit, write: true);
        }

        // Its reach grew past the budget; what it grants does not.
        Assert.Equal(_sent + (2 * Initial), limit);
        Assert.Equal(2 * Initial, budget.InUse);
    }

    [Fact]
    public void Credit_should_not_grow_while_the_edge_does_not_keep_up()
    {
        var reassembler = Start(StriperSettings.Default with { ChunkSize = Chunk }, BufferBudget.CreateUnlimited());
        var limit = _sub.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit;

        // The sender uses every byte of credit, but the application on the edge reads nothing: more would only queue.
        for (var round = 0; round < 4; round++)
        {
            limit = FillTo(reassembler, limit, write: false);
        }

        Assert.Equal(Initial, limit);
    }

    [Fact]
    public void A_quiet_connection_should_hand_its_credit_back_and_still_take_data_sent_within_the_old_limit()
    {
        var budget = new BufferBudget(1L << 30);
        var reassembler = Start(StriperSettings.Default with { ChunkSize = Chunk }, budget);
        var limit = _sub.ExpectMsg<TcpLegProtocol.WriteAck>().Ack.CreditLimit;
        for (var round = 0; round < 5; round++)
        {
            limit = FillTo(reassembler, limit, write: true);
        }

        var grown = limit - _sent;
        Assert.True(grown >= 16 * Initial, $"credit reached {grown} bytes ahead, expected to have grown from {Initial}");
        Assert.InRange(budget.InUse, grown, 2 * grown);

        // Quiet: every review halves the reach, and what it no longer covers goes back to the budget.
        for (var second = 0; second < 8; second++)
        {
            Clock.Advance(CreditReach.ReviewPeriod);
        }

        AwaitAssert(() => Assert.Equal(Initial, budget.InUse), TimeSpan.FromSeconds(3));

        // The sender still holds the old limit and may use it all at once: taken, not refused.
        Send(reassembler, limit - _sent);
        _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease.Dispose();
        _sub.FishForMessage<TcpLegProtocol.WriteAck>(a => a.Ack.Delivered == limit);
        _parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(grown, budget.InUse);
    }

    private IActorRef Start(StriperSettings settings, BufferBudget budget)
    {
        ActorOf(StepParent.Props(Reassembler.Props(settings, budget), _parent, "reassembler"), "parent");
        var reassembler = _parent.ExpectMsg<ChildIs>().Child;
        reassembler.Tell(new EdgeAttached(_edge));
        reassembler.Tell(new SubstreamAttached(0, 0, _sub));
        return reassembler;
    }

    /// <summary>
    /// Sends DATA right up to <paramref name="limit"/>, as a sender that credit holds back does, while the edge writes
    /// each piece as it comes (or none of them); returns the highest limit the ACKs and window updates then carry.
    /// </summary>
    private long FillTo(IActorRef reassembler, long limit, bool write)
    {
        var highest = limit;
        while (_sent < limit)
        {
            Send(reassembler, Math.Min(Chunk, limit - _sent));
            var lease = _edge.ExpectMsg<TcpLegProtocol.WriteRaw>().Lease;
            var bytes = lease.Length;
            lease.Dispose();
            highest = Math.Max(highest, _sub.FishForMessage<TcpLegProtocol.WriteAck>(a => a.Ack.Delivered == _sent).Ack.CreditLimit);
            if (write)
            {
                reassembler.Tell(new TcpLegProtocol.Written(bytes));
            }
        }

        // The window updates the last writes caused, if any.
        foreach (var update in _sub.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => (TcpLegProtocol.WriteAck)m))
        {
            highest = Math.Max(highest, update.Ack.CreditLimit);
        }

        return highest;
    }

    private void Send(IActorRef reassembler, long length)
    {
        reassembler.Tell(new DataReceived(0, _sent, 1, BufferLease.CopyOf(new byte[length])));
        _sent += length;
    }
}
