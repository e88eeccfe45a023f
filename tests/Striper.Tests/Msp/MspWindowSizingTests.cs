using Striper.Actors.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;

namespace Striper.Tests.Msp;

/// <summary>
/// An MSP stream's send ring and receive window sized from the path (<see cref="PathSimulation"/>, virtual time): a
/// long fat path, 500 Mbit/s with 150 ms RTT (a BDP of 9.4 MB, 7600 packets, nearly twice the 4096 messages both
/// windows were fixed at), must be filled by one stream that starts with a 256-message send ring and a 4096-message
/// receive window; a stream that sends nothing, or little, must keep them.
/// </summary>
public sealed class MspWindowSizingTests : StriperTestKit
{
    private const double Rate = 62_500_000;
    private static readonly TimeSpan Rtt = TimeSpan.FromMilliseconds(150);

    private static readonly (int Send, int Receive) Start =
        (MspSettings.Default.InitialSendBufferMessages, MspSettings.Default.InitialReceiveWindowMessages);

    private readonly ITestOutputHelper _output;

    public MspWindowSizingTests(ITestOutputHelper output)
        : base(manualTime: true)
    {
        _output = output;
    }

    private static LossyLinkOptions Path(double loss = 0) =>
        new() { BytesPerSecond = Rate, Delay = Rtt / 2, QueueBytes = (int)(Rate * Rtt.TotalSeconds), Loss = loss };

    private static LossyLinkOptions ReversePath(double loss = 0) => Path(loss) with { BytesPerSecond = 0 };

    [Fact]
    public void One_stream_should_grow_its_windows_to_fill_a_long_fat_path()
    {
        using var sim = new PathSimulation(this, MspSettings.Default, Path(), ReversePath(), 21);
        var sender = sim.SenderStats();
        var receiver = sim.ReceiverStats();
        Assert.Equal(Start, (sender.SendBufferSlots, receiver.ReceiveBufferSlots));

        // The windows double about once a round trip from 256 (the ring with the measured rate, the receiver's when a
        // whole window arrived within 1.5 of the fastest); startup is over and the path full after about 2.5 s.
        sim.Run(TimeSpan.FromSeconds(3));
        var utilization = sim.Utilization(TimeSpan.FromSeconds(2));
        sender = sim.SenderStats();
        receiver = sim.ReceiverStats();
        var bdp = Rate * Rtt.TotalSeconds / sim.DataDatagramSize;
        _output.WriteLine($"{utilization:P1} of 500 Mbit/s at 150 ms (BDP {bdp:0} packets): send ring {sender.SendBufferSlots}, receive window {receiver.ReceiveBufferSlots}; {sender}");

        Assert.True(utilization >= 0.9, $"{utilization:P1} of the bottleneck");
        Assert.True(sender.SendBufferSlots > 4096 && receiver.ReceiveBufferSlots > 4096, "the windows grew past the old fixed 4096");
        Assert.True(sender.SendBufferSlots <= MspSettings.Default.SendBufferMessages && receiver.ReceiveBufferSlots <= MspSettings.Default.ReceiveWindowMessages);
        Assert.Equal(0, sender.Timeouts);
    }

    [Fact]
    public void The_old_fixed_windows_should_fall_short_on_the_same_path()
    {
        // What the path test is worth: 4096 messages per RTT are about half of this path.
        var fixedWindows = MspSettings.Default with
        {
            SendBufferMessages = 4096,
            ReceiveWindowMessages = 4096,
            InitialSendBufferMessages = 4096,
            InitialReceiveWindowMessages = 4096,
        };
        using var sim = new PathSimulation(this, fixedWindows, Path(), ReversePath(), 21);
        sim.Run(TimeSpan.FromSeconds(4));
        var utilization = sim.Utilization(TimeSpan.FromSeconds(3));
        _output.WriteLine($"fixed 4096-message windows: {utilization:P1} of the bottleneck");

        Assert.True(utilization < 0.6, $"{utilization:P1}: the path no longer needs more than the old windows");
    }

    [Fact]
    public void An_idle_stream_should_keep_its_small_start()
    {
        using var sim = new PathSimulation(this, MspSettings.Default, Path(), ReversePath(), 22, messages: 0);
        sim.Run(TimeSpan.FromSeconds(25));
        var sender = sim.SenderStats();
        var receiver = sim.ReceiverStats();
        _output.WriteLine($"idle for 25 s: sender {sender}; receiver {receiver}");

        Assert.False(sim.ReceiverClosed);
        Assert.Equal(Start, (sender.SendBufferSlots, sender.ReceiveBufferSlots));
        Assert.Equal(Start, (receiver.SendBufferSlots, receiver.ReceiveBufferSlots));
    }

    [Fact]
    public void A_slow_sender_should_not_grow_the_windows_past_its_needs()
    {
        // 100 messages in all on the long fat path: nothing near a window's worth, however long the path.
        using var sim = new PathSimulation(this, MspSettings.Default, Path(), ReversePath(), 23, messages: 100);
        sim.Run(TimeSpan.FromSeconds(5));
        var sender = sim.SenderStats();
        var receiver = sim.ReceiverStats();
        _output.WriteLine($"100 messages: sender {sender}; receiver {receiver}");

        Assert.Equal(100, sim.MessagesDelivered);
        Assert.Equal(Start, (sender.SendBufferSlots, receiver.ReceiveBufferSlots));
    }
}
