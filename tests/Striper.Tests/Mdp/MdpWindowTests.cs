using Striper.Actors.Mdp;

namespace Striper.Tests.Mdp;

/// <summary>The hop's windows: each datagram delivered once in any order, acknowledgements, giving up after the retries.</summary>
public sealed class MdpWindowTests
{
    [Fact]
    public void Receive_window_should_deliver_out_of_order_once_and_acknowledge_with_cumulative_and_bitmap()
    {
        var window = new MdpReceiveWindow(100);

        Assert.True(window.Accept(102, 100));
        Assert.True(window.Accept(100, 100));
        Assert.False(window.Accept(102, 100));
        Assert.False(window.Accept(99, 100));

        Assert.Equal(100, window.Cumulative);
        Assert.Equal(1UL, window.AckBits()); // 102 = cumulative + 2 + 0

        Assert.True(window.Accept(101, 100));
        Assert.Equal(102, window.Cumulative);
        Assert.Equal(0UL, window.AckBits());
    }

    [Fact]
    public void Receive_window_should_stop_waiting_for_what_the_sender_gave_up_and_work_across_wraparound()
    {
        var window = new MdpReceiveWindow(uint.MaxValue - 1);

        Assert.True(window.Accept(1, 1)); // the sender's floor says everything before 1 is given up
        Assert.Equal(1u, window.WireCumulative);
        Assert.False(window.Accept(uint.MaxValue, 1));
    }

    [Fact]
    public void Send_window_should_take_memory_a_page_at_a_time_as_the_ring_reaches_it()
    {
        var window = new MdpSendWindow(1024, 1400, 0);
        Assert.Equal(0, window.AllocatedBytes);

        for (var i = 0; i < MdpSendWindow.SlotsPerPage + 1; i++)
        {
            var slot = window.Reserve();
            slot[..4].Fill((byte)i);
            window.Commit(4, now: 0);
            window.OnAck((uint)(i + 1), 0, out _);
        }

        // Two pages for 33 datagrams, each acknowledged before the next: a quiet link stays small.
        Assert.Equal(2L * MdpSendWindow.SlotsPerPage * 1400, window.AllocatedBytes);
        for (var i = 0; i < 2000; i++)
        {
            window.Reserve();
            window.Commit(4, now: 0);
            window.OnAck((uint)window.Next, 0, out _);
        }

        Assert.Equal(1024L * 1400, window.AllocatedBytes);
        Assert.True(window.Slot(window.Next - 1).Length == 4);
    }

    [Fact]
    public void Send_window_should_free_acknowledged_slots_and_give_up_after_its_retries()
    {
        var window = new MdpSendWindow(8, 64, 0);
        for (var i = 0; i < 4; i++)
        {
            window.Reserve()[0] = (byte)i;
            window.Commit(1, now: 0);
        }

        // 0 and 2 arrived: cumulative 0, bit 0 = 0 + 2.
        Assert.Equal(2, window.OnAck(0, 1, out var sentAt));
        Assert.Equal(0, sentAt);
        Assert.Equal(1, window.Base);

        var retransmitted = new List<long>();
        Assert.Equal(0, window.CollectDue(now: 10, rto: 10, maxRetries: 1, retransmitted.Add));
        Assert.Equal([1L, 3L], retransmitted);
        Assert.Equal(2, window.CollectDue(now: 20, rto: 10, maxRetries: 1, retransmitted.Add));
        Assert.Equal(0, window.Outstanding);
    }

    [Fact]
    public void Send_window_should_ignore_an_ack_for_what_was_never_sent()
    {
        var window = new MdpSendWindow(8, 64, 0);
        window.Commit(1, 0);

        Assert.Equal(0, window.OnAck(5, 0, out _));
        Assert.Equal(1, window.Outstanding);
    }
}
