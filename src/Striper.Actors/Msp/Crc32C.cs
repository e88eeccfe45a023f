namespace Striper.Actors.Msp;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). System.IO.Hashing is not available here. The SSE4.2 and
/// ARMv8 CRC32C instructions compute exactly this polynomial 8 bytes at a time; a transfer computes one per packet on
/// each side, and the byte-at-a-time table (kept for other CPUs) cost about 2 µs per 1.3 KB packet, a large share of
/// MSP's per-packet work at loopback rates. Check value of "123456789" is 0xE3069283.
/// </summary>
internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78;
    private static readonly uint[] LookupTable = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        if (System.Runtime.Intrinsics.X86.Sse42.X64.IsSupported)
        {
            ulong wide = 0xFFFFFFFFu;
            while (data.Length >= 8)
            {
                wide = System.Runtime.Intrinsics.X86.Sse42.X64.Crc32(wide, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            var narrow = (uint)wide;
            foreach (var b in data)
            {
                narrow = System.Runtime.Intrinsics.X86.Sse42.Crc32(narrow, b);
            }

            return ~narrow;
        }

        if (System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported)
        {
            var crc64 = 0xFFFFFFFFu;
            while (data.Length >= 8)
            {
                crc64 = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(crc64, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            foreach (var b in data)
            {
                crc64 = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(crc64, b);
            }

            return ~crc64;
        }

        return Table(0xFFFFFFFFu, data);
    }

    /// <summary>The portable path, for the tests to check the instruction paths against.</summary>
    internal static uint ComputeWithTable(ReadOnlySpan<byte> data) => Table(0xFFFFFFFFu, data);

    private static uint Table(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = LookupTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            }

            table[i] = crc;
        }

        return table;
    }
}
