using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Msp;

/// <summary>
/// Random loss must not collapse the rate. What collapses it is known and countable: resending what already arrived
/// (go-back-N), waiting for retransmission timeouts instead of repairing from selective acks, or a window that every
/// loss halves (MspCongestionControlTests checks that Westwood+ keeps it at the measured bandwidth-delay product). So the 5 % loss transfer is judged on the sender's own counters, not on a wall-clock rate: those do
/// not change when the machine is loaded (an earlier version compared MiB/s with and without loss and failed under
/// load: a 4 MiB transfer takes tens of milliseconds, and one late timer halved the ratio). The rates are printed;
/// bench/kcptun.sh measures MSP's speed.
/// </summary>
public sealed class MspGoodputTests : StriperTestKit
{
    private const int MaxSize = 1200;
    private const double Loss = 0.05;

    private readonly ITestOutputHelper _output;

    public MspGoodputTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void MspStream_at_5_percent_loss_should_repair_selectively_and_not_wait_for_timeouts()
    {
        var count = MspStreamTransferTests.MessagesFor(4);
        var probe = CreateTestProbe();
        var receiver = ActorOf(TransferPeer.Props("B", probe, 0, 31, 30, MaxSize));
        var sender = ActorOf(TransferPeer.Props("A", probe, count, 30, 31, MaxSize));
        // The default settings: a 200 ms floor under the retransmission timeout, so a scheduling delay on a loaded
        // machine is not mistaken for a loss.
        using var pair = StreamPair.Create(Sys, sender, receiver, MspSettings.Default, new LossyLinkOptions { Loss = Loss }, 30);

        var reports = new[] { probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(60)), probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(60)) };
        PeerReport.AssertExchanged(reports, closedCleanly: true);
        Assert.Equal(count, reports.Single(r => r.Name == "B").MessagesReceived);

        pair.A.Tell(MspProtocol.GetStats.Instance, probe);
        var stats = probe.ExpectMsg<MspStats>();
        var lost = pair.ToB.Dropped;
        _output.WriteLine($"sent {pair.ToB.Sent} packets, {lost} lost; {stats}");

        // Every lost data packet is resent at least once (the few A sends without data, acks of B's handshake and
        // FIN, need no resend); selective repair resends little else. A lost retransmission is resent again, so
        // about Loss more on top, plus the tail probes at the end.
        Assert.InRange(stats.Retransmissions, lost - 4, (long)(lost * 1.5) + 16);
        // Losses are found from selective acks, not by waiting: at most a few timeouts (a lost retransmission at
        // the very end of the transfer can only be found by one).
        Assert.True(stats.Timeouts <= 3, $"{stats.Timeouts} retransmission timeouts for {lost} losses");
        Assert.True(stats.FastRetransmissions >= lost / 2, $"{stats.FastRetransmissions} fast retransmissions for {lost} losses");
    }
}
