using System.Buffers.Binary;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Byte-level mutations of a seed, as a mutational fuzzer does them: bit flips, interesting byte values, inserts,
/// deletes, duplicated ranges (a frame sent twice), splices with another seed, truncation, and boundary values written
/// into the seed's length and offset fields. Deterministic for a given <see cref="Random"/>.
/// </summary>
internal static class Mutator
{
    private static readonly byte[] InterestingBytes = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff];

    public static byte[] Mutate(FuzzSeed seed, IReadOnlyList<FuzzSeed> corpus, int maxPayload, Random random)
    {
        var bytes = new List<byte>(seed.Bytes);
        var count = random.Next(1, 5);
        for (var i = 0; i < count; i++)
        {
            MutateOnce(bytes, seed, corpus, maxPayload, random);
        }

        return [.. bytes];
    }

    private static void MutateOnce(List<byte> bytes, FuzzSeed seed, IReadOnlyList<FuzzSeed> corpus, int maxPayload, Random random)
    {
        var position = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(10))
        {
            case 0 when bytes.Count > 0:
                bytes[position] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[position] = random.Next(3) == 0 ? (byte)random.Next(256) : InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2:
                var inserted = new byte[random.Next(1, 65)];
                random.NextBytes(inserted);
                bytes.InsertRange(position, inserted);
                break;
            case 3 when bytes.Count > 0:
                bytes.RemoveRange(position, Math.Min(random.Next(1, 65), bytes.Count - position));
                break;
            case 4 when bytes.Count > 0:
                var length = Math.Min(random.Next(1, 4096), bytes.Count - position);
                var range = bytes.GetRange(position, length);
                bytes.InsertRange(random.Next(bytes.Count + 1), range);
                break;
            case 5:
                var other = corpus[random.Next(corpus.Count)].Bytes;
                var from = random.Next(other.Length + 1);
                bytes.RemoveRange(position, bytes.Count - position);
                bytes.AddRange(other.AsSpan(from).ToArray());
                break;
            case 6 when bytes.Count > 0:
                bytes.RemoveRange(position, bytes.Count - position);
                break;
            case 7 when seed.LengthFields.Length > 0:
                WriteInt32(bytes, seed.LengthFields[random.Next(seed.LengthFields.Length)], BoundaryLength(maxPayload, random));
                break;
            case 8 when seed.OffsetFields.Length > 0:
                WriteInt64(bytes, seed.OffsetFields[random.Next(seed.OffsetFields.Length)], BoundaryOffset(random));
                break;
            default:
                // The type or flags byte of a frame header, which starts four bytes before its length field.
                if (seed.LengthFields.Length > 0)
                {
                    var header = seed.LengthFields[random.Next(seed.LengthFields.Length)] - 4;
                    var at = header + random.Next(2);
                    if (at >= 0 && at < bytes.Count)
                    {
                        bytes[at] = (byte)random.Next(7);
                    }
                }

                break;
        }
    }

    private static int BoundaryLength(int maxPayload, Random random) => random.Next(12) switch
    {
        0 => 0,
        1 => 1,
        2 => -1,
        3 => maxPayload - 1,
        4 => maxPayload,
        5 => maxPayload + 1,
        6 => int.MaxValue,
        7 => int.MinValue,
        8 => 4,
        9 => 16,
        10 => 24,
        _ => random.Next(),
    };

    private static long BoundaryOffset(Random random) => random.Next(8) switch
    {
        0 => 0,
        1 => -1,
        2 => long.MaxValue,
        3 => long.MaxValue - random.Next(1 << 20),
        4 => long.MinValue,
        5 => 1L << 32,
        6 => random.NextInt64(0, 1 << 24),
        _ => random.NextInt64(),
    };

    private static void WriteInt32(List<byte> bytes, int at, int value)
    {
        Span<byte> raw = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(raw, value);
        Overwrite(bytes, at, raw);
    }

    private static void WriteInt64(List<byte> bytes, int at, long value)
    {
        Span<byte> raw = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(raw, value);
        Overwrite(bytes, at, raw);
    }

    private static void Overwrite(List<byte> bytes, int at, ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < raw.Length && at + i < bytes.Count; i++)
        {
            bytes[at + i] = raw[i];
        }
    }
}
