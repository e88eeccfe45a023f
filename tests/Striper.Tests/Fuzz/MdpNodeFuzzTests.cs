using System.Net;
using System.Security.Cryptography;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using Striper.Tests.Logging;
using Striper.Tests.Mdp;
using Striper.Tests.Msp;
using Striper.Tests.Support;
using Xunit.Abstractions;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Fuzz;

/// <summary>
/// The mutational fuzzer over real MDP traffic: datagrams captured between two live nodes (hellos, DATA and ACK both
/// ways, through <see cref="MdpTapRelay"/>), mutated and injected from the neighbour's own address while MSP
/// transfers run, so they reach the link's MAC check and, when re-signed with the link key, everything behind it.
/// </summary>
public sealed class MdpNodeFuzzTests : StriperTestKit
{
    private const int FirstPort = 20;
    private static readonly MspSettings Msp = MspSettings.Default with { MinRto = TimeSpan.FromMilliseconds(30) };
    private static readonly MdpSettings Mdp = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100) };

    private readonly CapturingLoggerFactory _log;
    private readonly ITestOutputHelper _output;
    private int _nextPort = FirstPort;

    public MdpNodeFuzzTests(ITestOutputHelper output)
        : this(new CapturingLoggerFactory(), output)
    {
    }

    private MdpNodeFuzzTests(CapturingLoggerFactory log, ITestOutputHelper output)
        : base(log)
    {
        _log = log;
        _output = output;
    }

    [Fact]
    public async Task Mutated_captured_mdp_traffic_should_be_dropped_and_counted_while_real_transfers_complete()
    {
        using var identityA = NodeIdentity.Generate();
        using var identityB = NodeIdentity.Generate();
        var a = RunningMdpNode.Start(Sys, identityA, Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [], "fuzz-a");
        using var relay = new MdpTapRelay(a.LocalEndPoints[0], keep: 4000);
        var b = RunningMdpNode.Start(Sys, identityB, Mdp, [new IPEndPoint(IPAddress.Loopback, 0)], [relay.EndPoint], "fuzz-b");
        try
        {
            await WaitForNeighboursAsync(a, b);

            // A first transfer gives the seeds: hellos, DATA and ACK each way, as they really went over the wire.
            PeerReport.AssertExchanged(await TransferAsync(a, b, messages: 300), closedCleanly: false);
            var corpus = relay.Captured.Select((c, i) => (c.ToA, Seed: new FuzzSeed($"mdp-{i}", FuzzSeedKind.MdpDatagram, c.Bytes, [], []))).ToList();
            foreach (var type in new[] { MdpPacketType.Hello, MdpPacketType.Data, MdpPacketType.Ack })
            {
                Assert.True(corpus.Any(c => MdpPacket.PeekType(c.Seed.Bytes) == type), $"no {type} datagram was captured");
            }

            var seeds = corpus.Select(c => c.Seed).ToList();
            var hellos = corpus.Where(c => MdpPacket.PeekType(c.Seed.Bytes) == MdpPacketType.Hello).ToList();

            // Hellos are a handful of the seeds; one case in six takes one, so the hello path gets its share.
            (bool ToA, FuzzSeed Seed) Pick(Random random) => random.Next(6) == 0 ? hellos[random.Next(hellos.Count)] : corpus[random.Next(corpus.Count)];
            var random = FuzzRun.Random(301);
            var iterations = FuzzRun.Iterations(1500);
            var beforeA = await a.GetStatsAsync();
            var beforeB = await b.GetStatsAsync();
            var mutated = 0;

            // Phase 1: what an attacker who can send from the neighbour's address does: mutated (so forged) and
            // replayed datagrams, both ways. Transfers run back to back until the budget is spent and must all arrive.
            var injecting = Task.Run(async () =>
            {
                for (var i = 0; i < iterations; i++)
                {
                    var (toA, seed) = Pick(random);
                    var bytes = random.Next(8) == 0 ? seed.Bytes : Mutate(seed, seeds, random);
                    if (!bytes.AsSpan().SequenceEqual(seed.Bytes))
                    {
                        mutated++;
                    }

                    relay.Inject(toA, bytes);
                    if (i % 8 == 7)
                    {
                        await Task.Delay(1);
                    }
                }
            });
            var transfers = 0;
            do
            {
                PeerReport.AssertExchanged(await TransferAsync(a, b, messages: 1500), closedCleanly: false);
                transfers++;
            }
            while (!injecting.IsCompleted);

            await injecting;
            var afterA = await a.GetStatsAsync();
            var afterB = await b.GetStatsAsync();
            var dropped = Drops(afterA) - Drops(beforeA) + Drops(afterB) - Drops(beforeB);
            _output.WriteLine($"{corpus.Count} seeds; {iterations} injected ({mutated} mutated) during {transfers} transfers of 1500 messages each way; A dropped: malformed {afterA.MalformedDropped - beforeA.MalformedDropped}, forged {afterA.ForgedDropped - beforeA.ForgedDropped}, duplicate {afterA.DuplicatesDropped - beforeA.DuplicatesDropped}, hellos rejected {afterA.HellosRejected - beforeA.HellosRejected}; B dropped {Drops(afterB) - Drops(beforeB)}");
            Assert.True(dropped >= mutated * 9 / 10, $"{mutated} mutated datagrams injected, {dropped} counted as dropped");
            Assert.Equal(beforeA.Hops, afterA.Hops);

            // Phase 2: mutations re-signed with the link keys, as only the neighbour itself could send them: they get
            // past the MAC into the hop's sequence and ack handling and to the MSP endpoints. Nothing may fail.
            var keyToA = MdpLinkKeys.Derive(identityB.DeriveSharedSecret(identityA.PublicKey)!, identityB.Sid, identityA.Sid).Send;
            var keyToB = MdpLinkKeys.Derive(identityA.DeriveSharedSecret(identityB.PublicKey)!, identityA.Sid, identityB.Sid).Send;
            for (var i = 0; i < iterations; i++)
            {
                var (toA, seed) = Pick(random);
                relay.Inject(toA, Resign(Mutate(seed, seeds, random), toA ? keyToA : keyToB));
                if (i % 8 == 7)
                {
                    await Task.Delay(1);
                }
            }

            var resigned = await a.GetStatsAsync();
            _output.WriteLine($"re-signed phase: A delivered {resigned.Delivered - afterA.Delivered}, duplicates {resigned.DuplicatesDropped - afterA.DuplicatesDropped}, malformed {resigned.MalformedDropped - afterA.MalformedDropped}, forged {resigned.ForgedDropped - afterA.ForgedDropped}");
            await b.GetStatsAsync();
            var failures = _log.Entries.Where(e => e.EventId.Id is >= 1200 and <= 1202).Select(e => $"{e.Message}: {e.Exception}").ToList();
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(transfers >= 1);
            Assert.True(resigned.Delivered > afterA.Delivered || resigned.DuplicatesDropped > afterA.DuplicatesDropped, "no re-signed datagram got past the MAC");
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    private static long Drops(MdpStats s) => s.MalformedDropped + s.ForgedDropped + s.UnknownSenderDropped + s.DuplicatesDropped + s.HellosRejected + s.NoPortDropped;

    /// <summary>The generic mutations, or (one case in three) a boundary value in a hop sequence, ack or floor field.</summary>
    private static byte[] Mutate(FuzzSeed seed, IReadOnlyList<FuzzSeed> corpus, Random random)
    {
        if (random.Next(3) != 0 || seed.Bytes.Length < MdpPacket.HeaderSize)
        {
            return Mutator.Mutate(seed, corpus, MdpPacket.HeaderSize, random);
        }

        var bytes = (byte[])seed.Bytes.Clone();
        uint[] values = [0, 1, uint.MaxValue, 1u << 31, (1u << 31) - 1, MdpReceiveWindow.Span, (uint)random.Next()];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 * random.Next(1, 6)), values[random.Next(values.Length)]);
        return bytes;
    }

    private static byte[] Resign(byte[] datagram, byte[] key)
    {
        var type = MdpPacket.PeekType(datagram);
        if ((type == MdpPacketType.Hello && datagram.Length == MdpPacket.HelloSize) || (type is MdpPacketType.Data or MdpPacketType.Ack && MdpPacket.TryReadData(datagram, out _)))
        {
            var body = datagram.Length - MdpPacket.MacSize;
            HMACSHA256.HashData(key, datagram.AsSpan(0, body)).AsSpan(0, MdpPacket.MacSize).CopyTo(datagram.AsSpan(body));
        }

        return datagram;
    }

    private static async Task WaitForNeighboursAsync(RunningMdpNode a, RunningMdpNode b)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var na = await a.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3));
            var nb = await b.Node.Ask<MdpProtocol.Neighbours>(MdpProtocol.GetNeighbours.Instance, TimeSpan.FromSeconds(3));
            if (na.Sids.Contains(b.Sid) && nb.Sids.Contains(a.Sid))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the nodes never became neighbours through the relay");
            await Task.Delay(20);
        }
    }

    /// <summary>An MSP stream from B to a fresh port on A, each side sending <paramref name="messages"/> messages (SHA-256 compared).</summary>
    private async Task<IReadOnlyList<PeerReport>> TransferAsync(RunningMdpNode a, RunningMdpNode b, int messages)
    {
        var port = _nextPort++;
        var probe = CreateTestProbe();
        var peerA = ActorOf(TransferPeer.Props("A", probe, messages, sendSeed: port, expectSeed: port + 1000, maxSize: Msp.MaxMessageSize));
        var spawner = ActorOf(EndpointSpawner.Props(peerA, Msp));
        await a.Node.Ask<MdpProtocol.Bound>(new MdpProtocol.Bind(port, spawner), TimeSpan.FromSeconds(3));

        var opened = await b.Node.Ask<MdpProtocol.FlowOpened>(new MdpProtocol.OpenFlow(a.Sid, port, ActorRefs.Nobody), TimeSpan.FromSeconds(3));
        var peerB = ActorOf(TransferPeer.Props("B", probe, messages, sendSeed: port + 1000, expectSeed: port, maxSize: Msp.MaxMessageSize));
        var endpointB = ActorOf(MspEndpoint.Props(opened.Flow, ActorRefs.Nobody, Msp));
        opened.Flow.Register(endpointB);
        endpointB.Tell(new Connect(peerB), peerB);

        return [probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20)), probe.ExpectMsg<PeerReport>(TimeSpan.FromSeconds(20))];
    }
}
