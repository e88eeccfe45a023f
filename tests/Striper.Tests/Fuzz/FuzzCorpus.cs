using System.Buffers.Binary;
using Striper.Actors.Msp;
using Striper.Actors.Settings;
using Striper.Actors.Wire;
using Striper.Tests.Support;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Valid inputs to mutate. Substream traffic is captured from a real transfer through a proxy pair (a tap relay
/// between the proxies) and completed with a stream built by the wire writers that has every frame type; MSP
/// datagrams are built with the packet writer, one for each kind of packet. Captured once per test run.
/// </summary>
internal static class FuzzCorpus
{
    /// <summary>Small frames, so captured seeds hold many headers and mutations hit them often.</summary>
    public static readonly StriperSettings CaptureSettings = StriperSettings.Default with
    {
        Stripes = 3,
        ChunkSize = 4096,
        MaxFramePayload = 16 * 1024,
        CreditWindow = 256 * 1024,
    };

    private const int KeepPerDirection = 48 * 1024;

    private static readonly Lazy<Task<IReadOnlyList<FuzzSeed>>> Substream = new(CaptureSubstreamAsync);

    public static Task<IReadOnlyList<FuzzSeed>> SubstreamAsync() => Substream.Value;

    public static IReadOnlyList<FuzzSeed> MspDatagrams()
    {
        var sacks = new[] { new MspSackBlock(10, 12), new MspSackBlock(20, 25), new MspSackBlock(uint.MaxValue - 1, 3) };
        var payload = TestData.Random(1000, seed: 5);
        MspPacket[] packets =
        [
            new() { Flags = MspFlags.Syn | MspFlags.FromInitiator, StreamId = 7, Sequence = 1000, Window = 65536, Timestamp = 1 },
            new() { Flags = MspFlags.Syn | MspFlags.Ack, StreamId = 7, Sequence = 5000, CumulativeAck = 1000, Window = 65536, Timestamp = 2, TimestampEcho = 1 },
            new() { Flags = MspFlags.Data | MspFlags.Ack | MspFlags.FromInitiator, StreamId = 7, Sequence = 1001, CumulativeAck = 5000, Window = 65536, Payload = payload },
            new() { Flags = MspFlags.Data, StreamId = 7, Sequence = uint.MaxValue, Payload = Array.Empty<byte>() },
            new() { Flags = MspFlags.Ack, StreamId = 7, CumulativeAck = 1001, Window = 1 << 20, SackBlocks = sacks, TimestampEcho = 9 },
            new() { Flags = MspFlags.Fin | MspFlags.Ack | MspFlags.FromInitiator, StreamId = 7, Sequence = 1002, CumulativeAck = 5000 },
            new() { Flags = MspFlags.Rst, StreamId = 7, ResetReason = MspResetReason.ProtocolError },
            new() { Flags = MspFlags.Keepalive | MspFlags.Ack, StreamId = 7, CumulativeAck = 5000 },
        ];
        return [.. packets.Select((p, i) => new FuzzSeed($"msp-{i}-{p.Flags}", FuzzSeedKind.MspDatagram, p.ToArray(), [], []))];
    }

    private static async Task<IReadOnlyList<FuzzSeed>> CaptureSubstreamAsync()
    {
        const long Size = 200 * 1024;
        var seeds = new List<FuzzSeed>();
        await using (var target = new HashingTarget(Size, seed: 41))
        {
            TapRelay? relay = null;
            await using (var pair = ProxyPair.Start(target.EndPoint, CaptureSettings, interpose: server => (relay = new TapRelay(server, KeepPerDirection)).EndPoint))
            {
                using var app = await pair.ConnectAsync();
                await target.ExchangeAsync(app, Size, seed: 42, TimeSpan.FromSeconds(30));
                await target.WhenHandlersDoneAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }

            await relay!.DisposeAsync();
            var index = 0;
            foreach (var (up, down) in relay.Captured)
            {
                seeds.Add(Seed($"captured-up-{index}", FuzzSeedKind.SubstreamUp, up.ToArray(), Handshake.Size));
                seeds.Add(Seed($"captured-down-{index}", FuzzSeedKind.SubstreamDown, down.ToArray(), HandshakeReply.Size));
                index++;
            }
        }

        seeds.Add(Seed("written-up", FuzzSeedKind.SubstreamUp, WrittenStream(new Handshake(HandshakeKind.Join, Guid.NewGuid(), 1, 3).ToArray()), Handshake.Size));
        seeds.Add(Seed("written-down", FuzzSeedKind.SubstreamDown, WrittenStream(HandshakeReply.Encode(HandshakeStatus.Accepted)), HandshakeReply.Size));
        return seeds;
    }

    /// <summary>Every frame type, boundary sizes included, after the given handshake bytes.</summary>
    private static byte[] WrittenStream(byte[] prefix)
    {
        var max = CaptureSettings.MaxFramePayload;
        WireFrame[] frames =
        [
            WireFrame.Ack(0, 0, false, new AckPayload(0, CaptureSettings.CreditCeiling)),
            WireFrame.Data(0, 111, TestData.Random(1, seed: 1)),
            WireFrame.Data(1, 222, TestData.Random(max, seed: 2)),
            WireFrame.Data(1, 222, TestData.Random(500, seed: 3)),
            WireFrame.Ack(max + 1, 222, false, new AckPayload(max + 1, max + 1 + CaptureSettings.CreditCeiling)),
            WireFrame.Fin(max + 1),
            WireFrame.Ack(0, 0, true, new AckPayload(long.MaxValue, long.MaxValue)),
            WireFrame.Rst(4),
        ];
        return [.. prefix, .. WireFrame.Encode(frames)];
    }

    /// <summary>Trims a capture to whole frames and finds their length and offset fields.</summary>
    private static FuzzSeed Seed(string name, FuzzSeedKind kind, byte[] bytes, int prefix)
    {
        var lengths = new List<int>();
        var offsets = new List<int>();
        var at = prefix;
        while (at + ProtocolConstants.FrameHeaderSize <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 4));
            if (FrameHeader.TryRead(bytes.AsSpan(at), CaptureSettings.MaxFramePayload, out _, out _) != FrameParseResult.Complete
                || at + ProtocolConstants.FrameHeaderSize + length > bytes.Length)
            {
                break;
            }

            lengths.Add(at + 4);
            offsets.Add(at + 8);
            at += ProtocolConstants.FrameHeaderSize + length;
        }

        return new FuzzSeed(name, kind, bytes.AsSpan(0, Math.Min(at, bytes.Length)).ToArray(), [.. lengths], [.. offsets]);
    }
}
