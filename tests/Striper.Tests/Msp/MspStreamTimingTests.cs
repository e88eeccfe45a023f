using System.Diagnostics;
using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Sdk;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

/// <summary>The stream's timers on a manual clock: retransmission timeout with backoff, keepalive, idle timeout.</summary>
public sealed class MspStreamTimingTests : StriperTestKit
{
    private static readonly MspSettings Settings = MspSettings.Default with
    {
        InitialRto = TimeSpan.FromSeconds(1),
        MinRto = TimeSpan.FromMilliseconds(200),
        KeepaliveInterval = TimeSpan.FromSeconds(10),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>The lossy links' flush timers; <see cref="Advance"/> moves it with the actor system's virtual time.</summary>
    private readonly FakeTimeProvider _linkClock = new();
    private readonly TestProbe _ownerA;
    private readonly TestProbe _ownerB;
    private readonly StreamPair _pair;

    public MspStreamTimingTests()
        : base(manualTime: true)
    {
        _ownerA = CreateTestProbe();
        _ownerB = CreateTestProbe();
        // The links' flush timers run on the manual clock too, so nothing outlives the test.
        _pair = StreamPair.Create(Sys, _ownerA, _ownerB, Settings, LossyLinkOptions.Perfect, 21, _linkClock);
        Assert.Equal(MspState.DataOut, _ownerA.ExpectMsg<StateChanged>().State);

        // The initiator opens with a bare SYN, which the responder answers.
        AwaitCondition(() => _pair.ToB.Sent == 1 && _pair.ToA.Sent == 1);
        Settle();
    }

    [Fact]
    public void MspStream_should_retransmit_on_timeout_with_backoff_and_recover_when_the_link_returns()
    {
        _pair.ToB.Blackhole = true;
        for (var i = 0; i < 3; i++)
        {
            _pair.A.Tell(new Send(new[] { (byte)i }), _ownerA);
        }

        AwaitCondition(() => _pair.ToB.Sent == 4);
        SettleA();

        Advance(TimeSpan.FromMilliseconds(999));
        Settle();
        Assert.Equal(4, _pair.ToB.Sent);
        Advance(TimeSpan.FromMilliseconds(1));
        AwaitCondition(() => _pair.ToB.Sent == 5);
        SettleA();

        // Backed off: the next try comes 2 s later, not 1 s.
        Advance(TimeSpan.FromMilliseconds(1999));
        Settle();
        Assert.Equal(5, _pair.ToB.Sent);
        Advance(TimeSpan.FromMilliseconds(1));
        AwaitCondition(() => _pair.ToB.Sent == 6);
        SettleA();

        _pair.ToB.Blackhole = false;
        Advance(TimeSpan.FromSeconds(4));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(new[] { (byte)i }, _ownerB.FishForMessage<Received>(_ => true).Payload.ToArray());
        }

        _pair.A.Tell(GetStats.Instance, TestActor);
        var stats = ExpectMsg<MspStats>();
        Assert.Equal(3, stats.Timeouts);
        Assert.True(stats.Rto < TimeSpan.FromSeconds(1), $"RTO {stats.Rto} should have come down after a fresh sample");
    }

    [Fact]
    public void MspStream_should_send_keepalives_when_idle_and_reset_after_the_idle_timeout()
    {
        _pair.A.Tell(new Send(new byte[] { 1 }), _ownerA);
        _ownerB.FishForMessage<Received>(_ => true);
        Settle();
        var sentBefore = _pair.ToB.Sent;

        _pair.ToB.Blackhole = true;
        _pair.ToA.Blackhole = true;
        Advance(TimeSpan.FromSeconds(12.5));
        AwaitCondition(() => _pair.ToB.Sent > sentBefore);

        Advance(TimeSpan.FromSeconds(20));

        var closedA = _ownerA.FishForMessage<StateChanged>(s => (s.State & MspState.Closed) != 0);
        var closedB = _ownerB.FishForMessage<StateChanged>(s => (s.State & MspState.Closed) != 0);
        Assert.True((closedA.State & MspState.Error) != 0);
        Assert.True((closedB.State & MspState.Error) != 0);
        Assert.Contains("nothing heard", closedA.Reason, StringComparison.Ordinal);
    }

    private static void Settle() => Thread.Sleep(50);

    /// <summary>
    /// Waits until stream A has finished what it was doing: the link counts a datagram as soon as A hands it over,
    /// which can be before A has armed its next timer, and a clock advanced in between would move that timer.
    /// </summary>
    private void SettleA()
    {
        _pair.A.Tell(GetStats.Instance, TestActor);
        ExpectMsg<MspStats>();
    }

    private static void AwaitCondition(Func<bool> condition)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(3))
            {
                throw new XunitException("condition not met within 3 s");
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Moves the streams' timers and clock (Akka's TestScheduler) and the links' flush timers together.</summary>
    private void Advance(TimeSpan delta)
    {
        ((TestScheduler)Sys.Scheduler).Advance(delta);
        _linkClock.Advance(delta);
    }
}
