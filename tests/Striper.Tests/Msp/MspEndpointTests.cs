using Akka.Actor;
using Akka.TestKit;
using Striper.Actors.Msp;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

public sealed class MspEndpointTests : StriperTestKit
{
    private static readonly MspSettings Settings = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30) };

    [Fact]
    public void MspEndpoint_should_answer_a_packet_for_an_unknown_stream_with_rst()
    {
        var wire = CreateTestProbe();
        using var link = new LossyLink(LossyLinkOptions.Perfect, 1) { Target = wire };
        var endpoint = ActorOf(MspEndpoint.Props(link, CreateTestProbe(), Settings));
        var stray = new MspPacket { Flags = MspFlags.Data | MspFlags.Ack | MspFlags.FromInitiator, StreamId = 77, Sequence = 5, CumulativeAck = 9, Payload = new byte[10] };

        endpoint.Tell(new DatagramReceived(stray.ToArray()));

        var reply = wire.ExpectMsg<DatagramReceived>();
        Assert.Equal(MspParseError.None, MspPacket.TryParse(reply.Datagram, Settings.MaxMessageSize, out var reset));
        Assert.True(reset!.Has(MspFlags.Rst));
        Assert.False(reset.Has(MspFlags.FromInitiator));
        Assert.Equal(77u, reset.StreamId);
        Assert.Equal(MspResetReason.UnknownStream, reset.ResetReason);
    }

    [Fact]
    public void MspEndpoint_should_never_answer_an_rst_for_an_unknown_stream()
    {
        var wire = CreateTestProbe();
        using var link = new LossyLink(LossyLinkOptions.Perfect, 1) { Target = wire };
        var endpoint = ActorOf(MspEndpoint.Props(link, CreateTestProbe(), Settings));

        endpoint.Tell(new DatagramReceived(new MspPacket { Flags = MspFlags.Rst, StreamId = 78 }.ToArray()));

        wire.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void MspEndpoint_should_count_and_drop_a_corrupted_datagram()
    {
        var wire = CreateTestProbe();
        using var link = new LossyLink(LossyLinkOptions.Perfect, 1) { Target = wire };
        var endpoint = ActorOf(MspEndpoint.Props(link, CreateTestProbe(), Settings));
        var bytes = new MspPacket { Flags = MspFlags.Syn | MspFlags.FromInitiator, StreamId = 79 }.ToArray();
        bytes[10] ^= 0x10;

        endpoint.Tell(new DatagramReceived(bytes));
        endpoint.Tell(GetStats.Instance, TestActor);

        Assert.Equal(1, ExpectMsg<MspStats>().CorruptDropped);
        wire.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void MspEndpoint_should_open_a_stream_on_syn_and_report_a_peer_reset_as_an_error()
    {
        var (endpointA, endpointB, acceptor, links) = Endpoints();
        using var _ = links;
        var ownerA = CreateTestProbe();

        endpointA.Tell(new Connect(ownerA), TestActor);
        var connected = ExpectMsg<Connected>();
        connected.Stream.Tell(new Send(new byte[] { 1, 2, 3 }), ownerA);

        var accepted = acceptor.FishForMessage<Accepted>(_ => true);
        Assert.Equal(connected.StreamId, accepted.StreamId);
        var received = acceptor.FishForMessage<Received>(_ => true);
        Assert.Equal(new byte[] { 1, 2, 3 }, received.Payload.ToArray());

        accepted.Stream.Tell(Abort.Instance, acceptor);

        var closed = ownerA.FishForMessage<StateChanged>(s => (s.State & MspState.Closed) != 0);
        Assert.Equal(MspState.Closed | MspState.Error, closed.State);
        Assert.Contains("reset by the peer", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MspEndpoint_should_carry_a_whole_transfer_between_two_endpoints()
    {
        var probe = CreateTestProbe();
        var receiver = ActorOf(TransferPeer.Props("B", probe, 0, 2, 1, 1200));
        var wires = new LinkPair(new LossyLinkOptions { Loss = 0.02, Reordering = 0.02 }, 5);
        using var _ = wires;
        var endpointB = ActorOf(MspEndpoint.Props(wires.ToA, receiver, Settings));
        wires.ToB.Target = endpointB;
        var endpointA = ActorOf(MspEndpoint.Props(wires.ToB, ActorRefs.Nobody, Settings));
        wires.ToA.Target = endpointA;
        var sender = ActorOf(TransferPeer.Props("A", probe, 1500, 1, 2, 1200));

        endpointA.Tell(new Connect(sender), sender);

        var reports = new[] { probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20)), probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20)) };
        var a = reports.Single(r => r.Name == "A");
        var b = reports.Single(r => r.Name == "B");
        Assert.Equal(1500, b.MessagesReceived);
        Assert.Equal(a.SentHash, b.ReceivedHash);
        Assert.Empty(b.Errors);
    }

    private (IActorRef A, IActorRef B, TestProbe Acceptor, LinkPair Links) Endpoints()
    {
        var acceptor = CreateTestProbe();
        var links = new LinkPair(LossyLinkOptions.Perfect, 3);
        var b = ActorOf(MspEndpoint.Props(links.ToA, acceptor, Settings));
        links.ToB.Target = b;
        var a = ActorOf(MspEndpoint.Props(links.ToB, CreateTestProbe(), Settings));
        links.ToA.Target = a;
        return (a, b, acceptor, links);
    }

    private sealed class LinkPair(LossyLinkOptions options, int seed) : IDisposable
    {
        public LossyLink ToB { get; } = new(options, seed);

        public LossyLink ToA { get; } = new(options, seed + 1);

        public void Dispose()
        {
            ToB.Dispose();
            ToA.Dispose();
        }
    }
}
