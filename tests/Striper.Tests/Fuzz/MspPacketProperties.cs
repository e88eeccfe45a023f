using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Msp;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for the MSP datagram decoder: valid packets round-trip, and any datagram is either refused with
/// a reason or is exactly the encoding of the packet it parses to (so nothing in it was silently ignored).
/// </summary>
public sealed class MspPacketProperties
{
    private const MspFlags KnownFlags = MspFlags.Syn | MspFlags.Ack | MspFlags.Data | MspFlags.Fin | MspFlags.Rst | MspFlags.Keepalive | MspFlags.FromInitiator;

    private static readonly Gen<uint> UInt = Gen.Frequency(
        (1, Gen.Elements(0u, 1u, uint.MaxValue, uint.MaxValue - 1, 1u << 31)),
        (3, Gen.Choose(int.MinValue, int.MaxValue).Select(i => unchecked((uint)i))));

    private static readonly Gen<MspPacket> ValidPacket =
        from flagBits in Gen.Choose(0, (int)KnownFlags).Select(b => (MspFlags)b & KnownFlags)
        let flags = (flagBits & MspFlags.Data) != 0 ? flagBits & ~(MspFlags.Fin | MspFlags.Rst) : flagBits
        from payloadLength in (flags & MspFlags.Data) != 0 ? Gen.Frequency((4, Gen.Choose(0, 200)), (1, Gen.Choose(0, 1200))) : Gen.Constant(0)
        from payload in Gen.ArrayOf(WireGen.Byte, payloadLength)
        from sacks in Gen.Choose(0, MspPacket.MaxSackBlocks).SelectMany(n => Gen.ArrayOf(Gen.Zip(UInt, UInt).Select(t => new MspSackBlock(t.Item1, t.Item2)), n))
        from reason in Gen.Choose(0, 255)
        from ids in Gen.ArrayOf(UInt, 6)
        select new MspPacket
        {
            Flags = flags,
            ResetReason = (MspResetReason)reason,
            StreamId = ids[0],
            Sequence = ids[1],
            CumulativeAck = ids[2],
            Window = ids[3],
            Timestamp = ids[4],
            TimestampEcho = ids[5],
            SackBlocks = sacks,
            Payload = payload,
        };

    /// <summary>
    /// Valid packets with bytes changed and the checksum recomputed (so the checks behind the CRC run), with bytes
    /// changed and the checksum left alone, truncated or extended; and plain random datagrams.
    /// </summary>
    private static readonly Gen<byte[]> HostileDatagram = Gen.OneOf(
        from packet in ValidPacket
        from changes in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(0, MspPacket.HeaderSize - 1), WireGen.Byte), n))
        from fixCrc in Gen.Elements(true, true, false)
        select Mutate(packet.ToArray(), changes, fixCrc),
        from packet in ValidPacket
        from delta in Gen.Choose(-40, 40)
        select Resize(packet.ToArray(), delta),
        WireGen.Bytes(100));

    [Fact]
    public void Every_valid_packet_should_read_back_as_written()
    {
        FuzzRun.Check(Prop.ForAll(ValidPacket.ToArbitrary(), packet =>
        {
            var bytes = packet.ToArray();

            Assert.Equal(MspParseError.None, MspPacket.TryParse(bytes, 1200, out var parsed));
            Assert.Equal(packet.ToString(), parsed!.ToString());
            Assert.Equal(packet.ResetReason, parsed.ResetReason);
            Assert.Equal(packet.SackBlocks, parsed.SackBlocks);
            Assert.Equal(packet.Payload.ToArray(), parsed.Payload.ToArray());
            Assert.Equal(bytes, parsed.ToArray());
        }), ciBudget: 500, salt: 21);
    }

    [Fact]
    public void Any_datagram_should_be_refused_with_a_reason_or_be_the_exact_encoding_of_what_it_parses_to()
    {
        var datagrams = from max in Gen.Elements(0, 16, 1200, MspPacket.MaxPayloadLimit) from bytes in HostileDatagram select (max, bytes);

        FuzzRun.Check(Prop.ForAll(datagrams.ToArbitrary(), t =>
        {
            var error = MspPacket.TryParse(t.bytes, t.max, out var packet);

            Assert.True(Enum.IsDefined(error));
            if (error == MspParseError.None)
            {
                Assert.NotNull(packet);
                Assert.InRange(packet.Payload.Length, 0, t.max);
                Assert.InRange(packet.SackBlocks.Count, 0, MspPacket.MaxSackBlocks);
                Assert.False(packet.Has(MspFlags.Data) && (packet.Has(MspFlags.Fin) || packet.Has(MspFlags.Rst)));
                Assert.Equal(t.bytes, packet.ToArray());
            }
            else
            {
                Assert.Null(packet);
            }
        }), ciBudget: 2000, salt: 22);
    }

    private static byte[] Mutate(byte[] bytes, (int Position, byte Value)[] changes, bool fixCrc)
    {
        foreach (var (position, value) in changes)
        {
            bytes[position] = value;
        }

        if (fixCrc)
        {
            var body = bytes.Length - MspPacket.TrailerSize;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(body), Crc32C.Compute(bytes.AsSpan(0, body)));
        }

        return bytes;
    }

    private static byte[] Resize(byte[] bytes, int delta) =>
        delta < 0 ? bytes.AsSpan(0, Math.Max(0, bytes.Length + delta)).ToArray() : [.. bytes, .. new byte[delta]];
}
