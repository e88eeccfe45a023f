using System.Buffers.Binary;
using Akka.Actor;
using Striper.Actors.Msp;
using Striper.Tests.Logging;
using Striper.Tests.Support;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Mutated MSP datagrams fed to a live endpoint, past the packet decoder into the stream actors it creates: no actor
/// may fail, whatever the packets claim (sequence numbers, windows, SACK blocks, flags out of order).
/// </summary>
public sealed class MspEndpointFuzzTests : StriperTestKit
{
    private readonly CapturingLoggerFactory _log;

    public MspEndpointFuzzTests()
        : this(new CapturingLoggerFactory())
    {
    }

    private MspEndpointFuzzTests(CapturingLoggerFactory log)
        : base(log)
    {
        _log = log;
    }

    [Fact]
    public async Task Mutated_datagrams_should_never_make_an_msp_actor_fail()
    {
        var corpus = FuzzCorpus.MspDatagrams();
        var random = FuzzRun.Random(201);
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<IActorRef>();
        var acceptor = ActorOf(Props.Create(() => new Acceptor(accepted)));
        var endpoint = ActorOf(MspEndpoint.Props(new NullLink(), acceptor, MspSettings.Default));
        var iterations = FuzzRun.Iterations(3000);

        // Mutations soon reset or finish a stream, so every round opens a fresh one with a valid SYN and aims most of
        // its mutated packets at it: they reach a live stream rather than the endpoint's RST for an unknown one.
        var syn = MspPacket.TryParse(corpus[0].Bytes, MspPacket.MaxPayloadLimit, out var template) == MspParseError.None ? template! : throw new InvalidOperationException();
        uint streamId = 1000;
        var sent = 0;
        for (var i = 0; i < iterations; i++)
        {
            if (i % 100 == 0)
            {
                streamId++;
                endpoint.Tell(new DatagramReceived(new MspPacket { Flags = syn.Flags, StreamId = streamId, Sequence = syn.Sequence, Window = syn.Window }.ToArray()));
                sent++;
            }

            var bytes = Mutator.Mutate(corpus[random.Next(corpus.Count)], corpus, MspPacket.MaxPayloadLimit, random);
            if (random.Next(4) != 0 && bytes.Length >= MspPacket.HeaderSize + MspPacket.TrailerSize)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), streamId);
                var body = bytes.Length - MspPacket.TrailerSize;
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(body), Crc32C.Compute(bytes.AsSpan(0, body)));
            }

            endpoint.Tell(new DatagramReceived(bytes));
            sent++;
        }

        var stats = await endpoint.Ask<MspStats>(GetStats.Instance, TimeSpan.FromSeconds(20));

        Assert.Equal(sent, stats.PacketsReceived);
        Assert.InRange(stats.CorruptDropped + stats.MalformedDropped, 1, iterations - 1);

        // The endpoint has handled every datagram, but the acceptor hears of each new stream through its own mailbox,
        // which a busy machine may not have run yet (seen once: 0 streams counted right after the stats came back).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (accepted.Count < iterations / 100 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Each stream answers once it has handled what the endpoint passed on; one that has ended (reset, say) cannot.
        var settled = await Task.WhenAll(accepted.Select(async stream =>
        {
            try
            {
                await stream.Ask<MspStats>(GetStats.Instance, TimeSpan.FromSeconds(2));
                return true;
            }
            catch (AskTimeoutException)
            {
                return false;
            }
        }));
        var failures = _log.Entries.Where(e => e.EventId.Id is >= 1200 and <= 1202).Select(e => $"{e.Message}: {e.Exception}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(accepted.Count >= iterations / 100, $"only {accepted.Count} streams were opened");
        Assert.Contains(true, settled);
    }

    /// <summary>Drops what the endpoint sends: only what it does with input matters here.</summary>
    private sealed class NullLink : IDatagramLink
    {
        public void Send(ReadOnlyMemory<byte> datagram)
        {
        }
    }

    /// <summary>The acceptor (a real actor, since streams watch their owner): remembers every stream opened by a SYN.</summary>
    private sealed class Acceptor : ReceiveActor
    {
        public Acceptor(System.Collections.Concurrent.ConcurrentQueue<IActorRef> accepted)
        {
            Receive<Accepted>(m => accepted.Enqueue(m.Stream));
            ReceiveAny(_ => { });
        }
    }
}
