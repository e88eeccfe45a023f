using Akka.TestKit;
using Striper.Actors.Msp;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

/// <summary>The receiver's window and the owner's send limit: back-pressure in both directions.</summary>
public sealed class MspStreamFlowControlTests : StriperTestKit
{
    private static readonly MspSettings Settings = MspSettings.Default with
    {
        ReceiveWindowMessages = 8,
        SendBufferMessages = 16,
        MinRto = TimeSpan.FromMilliseconds(20),
        InitialRto = TimeSpan.FromMilliseconds(50),
    };

    private readonly TestProbe _ownerA;
    private readonly TestProbe _ownerB;
    private readonly StreamPair _pair;

    public MspStreamFlowControlTests()
    {
        _ownerA = CreateTestProbe();
        _ownerB = CreateTestProbe();
        _pair = StreamPair.Create(Sys, _ownerA, _ownerB, Settings, LossyLinkOptions.Perfect, 31);
    }

    [Fact]
    public void MspStream_should_stop_at_the_receivers_window_until_the_owner_consumes()
    {
        var limit = _ownerA.ExpectMsg<StateChanged>().SendLimit;
        Assert.Equal(15, limit);
        for (var i = 0; i < 12; i++)
        {
            _pair.A.Tell(new Send(new[] { (byte)i }), _ownerA);
        }

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(i, _ownerB.FishForMessage<Received>(_ => true).Payload.Span[0]);
        }

        _ownerB.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        _pair.B.Tell(new Consumed(8), _ownerB);

        for (var i = 8; i < 12; i++)
        {
            Assert.Equal(i, _ownerB.FishForMessage<Received>(_ => true).Payload.Span[0]);
        }

        _pair.Dispose();
    }

    [Fact]
    public void MspStream_should_reject_a_message_over_the_size_limit_or_beyond_the_send_limit()
    {
        _ownerA.ExpectMsg<StateChanged>();

        _pair.A.Tell(new Send(new byte[Settings.MaxMessageSize + 1]), _ownerA);
        Assert.Contains("exceeds the maximum", _ownerA.ExpectMsg<SendRejected>().Reason, StringComparison.Ordinal);

        // The peer never consumes, so at most window + send buffer can be accepted; the rest is refused, not queued.
        for (var i = 0; i < 40; i++)
        {
            _pair.A.Tell(new Send(new byte[1]), _ownerA);
        }

        Assert.Contains("over the send limit", _ownerA.FishForMessage<SendRejected>(_ => true).Reason, StringComparison.Ordinal);
        _pair.Dispose();
    }
}
