using System.Buffers.Binary;
using System.Diagnostics;
using Striper.Actors.Msp;
using Striper.Actors.Wire;

namespace Striper.Tests.Fuzz;

/// <summary>
/// The mutational fuzzer: valid traffic (captured from a real transfer, or written by the production writers) is
/// mutated and fed to the decoders a live proxy runs, split into socket reads at random points. Each case must decode
/// to frames or stop at one clear error, hold at most one frame's worth of bytes, and allocate nothing beyond the
/// payloads it delivers. CI runs a seeded budget of a few seconds; bench/fuzz.sh runs millions (docs/FUZZING.md).
/// </summary>
public sealed class MutationalFuzzTests
{
    private static readonly int MaxPayload = FuzzCorpus.CaptureSettings.MaxFramePayload;

    [Fact]
    public async Task Captured_substream_traffic_should_yield_frames_or_one_clear_error_under_any_mutation()
    {
        var corpus = await FuzzCorpus.SubstreamAsync();
        Assert.Contains(corpus, s => s.Name.StartsWith("captured-up", StringComparison.Ordinal) && s.LengthFields.Length > 10);
        Assert.Contains(corpus, s => s.Name.StartsWith("captured-down", StringComparison.Ordinal) && s.LengthFields.Length > 10);

        var random = FuzzRun.Random(101);
        var outcomes = new Dictionary<string, int>();
        Run(FuzzRun.Iterations(3000), random, corpus, (seed, bytes) =>
        {
            var outcome = DecodeSubstream(seed.Kind, bytes, random);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        });

        // The fuzzer is only worth its time if mutations reach the frame parser and some survive it.
        Assert.True(outcomes.GetValueOrDefault("frames-error") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("frames-clean") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("handshake-refused") > 0, string.Join(", ", outcomes));
    }

    [Fact]
    public void Mutated_msp_datagrams_should_be_refused_with_a_reason_or_parse_to_exactly_their_bytes()
    {
        var corpus = FuzzCorpus.MspDatagrams();
        var random = FuzzRun.Random(102);
        var accepted = 0;
        Run(FuzzRun.Iterations(20000), random, corpus, (_, bytes) =>
        {
            // Most cases get a correct checksum, or the CRC would refuse nearly all of them before the checks behind it.
            if (random.Next(4) != 0 && bytes.Length >= MspPacket.HeaderSize + MspPacket.TrailerSize)
            {
                var body = bytes.Length - MspPacket.TrailerSize;
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(body), Crc32C.Compute(bytes.AsSpan(0, body)));
            }

            var error = MspPacket.TryParse(bytes, 1200, out var packet);
            Assert.True(Enum.IsDefined(error));
            if (error == MspParseError.None)
            {
                accepted++;
                Assert.Equal(bytes, packet!.ToArray());
            }
            else
            {
                Assert.Null(packet);
            }
        });

        Assert.InRange(accepted, 1, FuzzRun.Iterations(20000) - 1);
    }

    /// <summary>Decodes as the server (handshake, then frames) or the client (reply, then frames) would; returns what happened.</summary>
    private static string DecodeSubstream(FuzzSeedKind kind, byte[] bytes, Random random)
    {
        var prefix = kind == FuzzSeedKind.SubstreamUp ? Handshake.Size : HandshakeReply.Size;
        string? error;
        var accepted = kind == FuzzSeedKind.SubstreamUp
            ? Handshake.TryRead(bytes, out _, out error)
            : HandshakeReply.TryRead(bytes, out _, out error);
        if (!accepted)
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.DoesNotContain('\n', error);
            return "handshake-refused";
        }

        var frames = bytes.AsSpan(prefix).ToArray();
        var cuts = Enumerable.Range(0, random.Next(0, 12)).Select(_ => random.Next(frames.Length + 1)).ToArray();
        var result = FrameFeeder.Feed(frames, cuts, MaxPayload);
        WireProperties.AssertFeedSane(result, MaxPayload, frames.Length);
        return result.Error is null ? "frames-clean" : "frames-error";
    }

    private static void Run(int iterations, Random random, IReadOnlyList<FuzzSeed> corpus, Action<FuzzSeed, byte[]> check)
    {
        var clock = Stopwatch.StartNew();
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var seed = corpus[random.Next(corpus.Count)];
            var bytes = Mutator.Mutate(seed, corpus, MaxPayload, random);
            try
            {
                check(seed, bytes);
            }
            catch (Exception ex)
            {
                var saved = Path.Combine(Path.GetTempPath(), $"striper-fuzz-{FuzzRun.Seed}-{iteration}.bin");
                File.WriteAllBytes(saved, bytes);
                throw new Xunit.Sdk.XunitException(
                    $"case {iteration} (seed {seed.Name}, STRIPER_FUZZ_SEED={FuzzRun.Seed}) failed after {clock.Elapsed.TotalSeconds:F1}s; input saved to {saved}: {ex}");
            }
        }
    }
}
