using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

public sealed class MspReceiveBufferTests
{
    [Fact]
    public void MspReceiveBuffer_should_report_the_newest_arrival_first_then_rotate_through_the_other_holes()
    {
        var buffer = new MspReceiveBuffer(64);

        // Runs at 2, 4, 6, 8, 10, 12 (each one long) above a missing 0: more runs than fit in one ack.
        foreach (var s in new[] { 2, 4, 6, 8, 10, 12 })
        {
            buffer.Store(s, isFin: false, new byte[1]);
        }

        var blocks = new MspSackBlock[4];
        Assert.Equal(4, buffer.FillSackBlocks(8, blocks));
        Assert.Equal(new MspSackBlock(8, 9), blocks[0]);
        var first = blocks.Skip(1).Select(b => b.Start).ToList();
        Assert.Equal(4, buffer.FillSackBlocks(8, blocks));
        var second = blocks.Skip(1).Select(b => b.Start).ToList();

        Assert.Equal(new uint[] { 2, 4, 6, 10, 12 }, first.Concat(second).Distinct().Order());
    }

    [Fact]
    public void MspReceiveBuffer_should_release_in_order_once_the_hole_is_filled()
    {
        var buffer = new MspReceiveBuffer(8);
        buffer.Store(1, isFin: false, new byte[] { 1 });
        buffer.Store(2, isFin: true, ReadOnlyMemory<byte>.Empty);
        Assert.False(buffer.TryTakeNext(out _, out _));

        buffer.Store(0, isFin: false, new byte[] { 0 });

        Assert.True(buffer.TryTakeNext(out var zero, out var fin0));
        Assert.True(buffer.TryTakeNext(out var one, out _));
        Assert.True(buffer.TryTakeNext(out _, out var fin2));
        Assert.Equal(0, zero.Span[0]);
        Assert.Equal(1, one.Span[0]);
        Assert.False(fin0);
        Assert.True(fin2);
        Assert.Equal(3, buffer.Next);
        Assert.False(buffer.HasGaps);
    }

    [Fact]
    public void MspReceiveBuffer_should_keep_every_held_message_in_order_when_it_grows_across_a_wrap()
    {
        var buffer = new MspReceiveBuffer(4);
        for (var s = 0; s < 6; s++)
        {
            buffer.Store(s, isFin: false, new byte[] { (byte)s });
            Assert.True(buffer.TryTakeNext(out _, out _));
        }

        // Next is 6 (slot 2 of 4): hold 7 and 9 around a hole, then grow past the old ring's end.
        buffer.Store(7, isFin: false, new byte[] { 7 });
        buffer.Store(9, isFin: true, ReadOnlyMemory<byte>.Empty);
        buffer.Grow(16);

        Assert.Equal(16, buffer.Capacity);
        Assert.True(buffer.Contains(7) && buffer.Contains(9) && !buffer.Contains(8));
        buffer.Store(20, isFin: false, new byte[] { 20 });
        buffer.Store(6, isFin: false, new byte[] { 6 });
        buffer.Store(8, isFin: false, new byte[] { 8 });
        var taken = new List<byte>();
        while (buffer.TryTakeNext(out var payload, out var fin) && !fin)
        {
            taken.Add(payload.Span[0]);
        }

        Assert.Equal([6, 7, 8], taken);
        Assert.Equal(10, buffer.Next);
        buffer.Grow(8);
        Assert.Equal(16, buffer.Capacity);
    }
}
