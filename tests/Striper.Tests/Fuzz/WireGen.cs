using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Wire;

namespace Striper.Tests.Fuzz;

/// <summary>FsCheck generators for substream frames: valid ones, boundary values, and bytes that are almost frames.</summary>
internal static class WireGen
{
    public static readonly Gen<byte> Byte = Gen.Choose(0, 255).Select(b => (byte)b);

    /// <summary>Longs that matter to a decoder (zero, signs, powers of two, the extremes) mixed with arbitrary ones.</summary>
    public static readonly Gen<long> Long = Gen.Frequency(
        (3, Gen.Elements(0L, 1L, -1L, long.MaxValue, long.MinValue, long.MaxValue - 1, int.MaxValue, (long)int.MaxValue + 1, 1L << 40)),
        (5, Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue)).Select(t => ((long)t.Item1 << 32) | (uint)t.Item2)),
        (2, Gen.Choose(0, 1 << 20).Select(i => (long)i)));

    public static readonly Gen<long> NonNegativeLong = Long.Select(l => l == long.MinValue ? 0 : Math.Abs(l));

    public static readonly Gen<int> Int = Gen.Frequency(
        (3, Gen.Elements(0, 1, -1, 4, 16, 24, int.MaxValue, int.MinValue, 1 << 20, (1 << 20) + 1)),
        (5, Gen.Choose(int.MinValue, int.MaxValue)));

    public static Gen<byte[]> Bytes(int maxLength) =>
        Gen.Choose(0, maxLength).SelectMany(length => Gen.ArrayOf(Byte, length));

    public static Gen<WireFrame> ValidFrame(int maxPayload) => Gen.Frequency(
        (6, Gen.Frequency((8, Gen.Choose(1, Math.Min(300, maxPayload))), (1, Gen.Constant(maxPayload)), (1, Gen.Choose(1, maxPayload)))
            .SelectMany(length => Gen.ArrayOf(Byte, length))
            .SelectMany(payload => Gen.Zip(NonNegativeLong.Select(o => Math.Min(o, long.MaxValue - payload.Length)), Long)
                .Select(t => WireFrame.Data(t.Item1, t.Item2, payload)))),
        (3, Gen.Zip(Gen.Zip(NonNegativeLong, Long), Gen.Zip(Gen.Elements(true, false), Gen.Zip(Long, Long)))
            .Select(t => WireFrame.Ack(t.Item1.Item1, t.Item1.Item2, t.Item2.Item1, new AckPayload(t.Item2.Item2.Item1, t.Item2.Item2.Item2)))),
        (1, NonNegativeLong.Select(WireFrame.Fin)),
        (1, Int.Select(WireFrame.Rst)));

    public static Gen<List<WireFrame>> ValidFrames(int maxPayload) =>
        Gen.Choose(0, 12).SelectMany(count => Gen.ListOf(ValidFrame(maxPayload), count)).Select(l => l.ToList());

    /// <summary>Where a stream of <paramref name="length"/> bytes is cut into socket reads.</summary>
    public static Gen<int[]> Cuts(int length) => Gen.Choose(0, 20).SelectMany(count => Gen.ArrayOf(Gen.Choose(0, length), count));

    /// <summary>
    /// Bytes that get past the first checks: valid frames, then one header with a field forced to a boundary value,
    /// random bytes, or a truncated frame; plus plain random bytes.
    /// </summary>
    public static Gen<byte[]> HostileStream(int maxPayload) => Gen.Frequency(
        (2, Bytes(200)),
        (5, Gen.Zip(ValidFrames(maxPayload), Gen.Zip(CorruptHeader(maxPayload), Bytes(64)))
            .Select(t => WireFrame.Encode(t.Item1).Concat(t.Item2.Item1).Concat(t.Item2.Item2).ToArray())),
        (2, Gen.Zip(ValidFrames(maxPayload), Gen.Choose(1, 100)).Select(t =>
        {
            var bytes = WireFrame.Encode(t.Item1);
            return bytes.AsSpan(0, Math.Max(0, bytes.Length - t.Item2)).ToArray();
        })));

    /// <summary>A frame header with arbitrary type, flags, reserved bits, length, offset and stamp: mostly invalid.</summary>
    public static Gen<byte[]> CorruptHeader(int maxPayload) =>
        from type in Gen.Frequency((3, Gen.Choose(0, 6)), (1, Gen.Choose(0, 255)))
        from flags in Gen.Frequency((3, Gen.Choose(0, 1)), (1, Gen.Choose(0, 255)))
        from reserved in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(0, 65535)))
        from length in Gen.Frequency((3, Int), (1, Gen.Elements(0, 4, 16, maxPayload, maxPayload + 1)))
        from offset in Long
        from stamp in Long
        select Header(type, flags, reserved, length, offset, stamp);

    private static byte[] Header(int type, int flags, int reserved, int length, long offset, long stamp)
    {
        var bytes = new byte[ProtocolConstants.FrameHeaderSize];
        bytes[0] = (byte)type;
        bytes[1] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)reserved);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), length);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), offset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), stamp);
        return bytes;
    }
}
