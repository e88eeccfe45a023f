using System.Buffers.Binary;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for the MDP datagram decoders (DATA/ACK header, HELLO, the MAC check and the receive window): valid
/// datagrams round-trip; any datagram is refused or is exactly the encoding of what it parses to; a signed datagram
/// with anything changed never verifies; and no sequence of hop numbers, however far they jump, breaks the window.
/// </summary>
public sealed class MdpPacketProperties
{
    private static readonly Gen<uint> UInt = Gen.Frequency(
        (1, Gen.Elements<uint>(0u, 1u, uint.MaxValue, uint.MaxValue - 1, 1u << 31, (1u << 31) - 1, MdpReceiveWindow.Span, MdpReceiveWindow.Span + 1)),
        (3, Gen.Choose(int.MinValue, int.MaxValue).Select(i => unchecked((uint)i))));

    private static readonly Gen<ushort> Port = Gen.Choose(0, 65535).Select(p => (ushort)p);

    private static readonly Gen<(MdpHeader Header, byte[] Payload)> ValidData =
        from type in Gen.Elements(MdpPacketType.Data, MdpPacketType.Ack)
        from length in type == MdpPacketType.Ack ? Gen.Constant(0) : Gen.Frequency((4, Gen.Choose(0, 200)), (1, Gen.Choose(0, 1400 - MdpPacket.Overhead)))
        from payload in Gen.ArrayOf(WireGen.Byte, length)
        from numbers in Gen.ArrayOf(UInt, 3)
        from bits in Gen.Zip(UInt, UInt).Select(t => ((ulong)t.Item1 << 32) | t.Item2)
        from ports in Gen.Zip(Port, Port)
        select (new MdpHeader(type, length, numbers[0], numbers[1], numbers[2], bits, ports.Item1, ports.Item2), payload);

    private static readonly Gen<byte[]> Key = Gen.ArrayOf(WireGen.Byte, 32);

    /// <summary>Signed valid datagrams changed in a few bytes (header mostly), truncated or extended; hellos likewise; random bytes.</summary>
    private static readonly Gen<byte[]> HostileDatagram = Gen.OneOf(
        from data in ValidData
        from key in Key
        from changes in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(0, MdpPacket.HeaderSize - 1), WireGen.Byte), n))
        select Change(Sign(data.Header, data.Payload, key), changes),
        from data in ValidData
        from key in Key
        from delta in Gen.Choose(-40, 40)
        select Resize(Sign(data.Header, data.Payload, key), delta),
        from hello in Gen.ArrayOf(WireGen.Byte, MdpPacket.HelloSize)
        from flags in Gen.Choose(0, 4)
        select Hello(hello, (byte)flags),
        WireGen.Bytes(200));

    [Fact]
    public void Every_valid_data_or_ack_datagram_should_read_back_as_written_and_verify()
    {
        FuzzRun.Check(Prop.ForAll(Gen.Zip(ValidData, Key).ToArbitrary(), t =>
        {
            var ((header, payload), key) = t;
            var datagram = Sign(header, payload, key);

            Assert.Equal(header.Type, MdpPacket.PeekType(datagram));
            Assert.True(MdpPacket.TryReadData(datagram, out var read));
            Assert.Equal(header, read);
            Assert.Equal(payload, datagram.AsSpan(MdpPacket.HeaderSize, read.PayloadLength).ToArray());
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            Assert.True(MdpLinkKeys.Verify(hmac, datagram));
        }), ciBudget: 500, salt: 31);
    }

    [Fact]
    public void Every_valid_hello_should_read_back_as_written()
    {
        var hellos = from reply in Gen.Elements(true, false)
                     from probe in Gen.Elements(true, false)
                     from numbers in Gen.Zip(UInt, UInt)
                     from key in Gen.ArrayOf(WireGen.Byte, NodeIdentity.PublicKeySize)
                     select (reply, probe, numbers.Item1, numbers.Item2, key);

        FuzzRun.Check(Prop.ForAll(hellos.ToArbitrary(), t =>
        {
            var datagram = new byte[MdpPacket.HelloSize];
            Assert.Equal(MdpPacket.HelloBodySize, MdpPacket.WriteHelloBody(datagram, t.reply, t.Item3, t.Item4, t.key, t.probe));

            Assert.Equal(MdpPacketType.Hello, MdpPacket.PeekType(datagram));
            Assert.False(MdpPacket.TryReadData(datagram, out _));
            Assert.True(MdpPacket.TryReadHello(datagram, out var reply, out var probe, out var incarnation, out var next, out var key));
            Assert.Equal((t.reply, t.probe, t.Item3, t.Item4), (reply, probe, incarnation, next));
            Assert.Equal(t.key, key.ToArray());
        }), ciBudget: 300, salt: 32);
    }

    [Fact]
    public void Any_datagram_should_be_refused_or_be_the_exact_encoding_of_what_it_parses_to()
    {
        FuzzRun.Check(Prop.ForAll(HostileDatagram.ToArbitrary(), bytes =>
        {
            var type = MdpPacket.PeekType(bytes);
            if (MdpPacket.TryReadData(bytes, out var header))
            {
                Assert.True(header.Type is MdpPacketType.Data or MdpPacketType.Ack);
                Assert.Equal(header.Type, type);
                Assert.Equal(bytes.Length, MdpPacket.Overhead + header.PayloadLength);
                var copy = new byte[bytes.Length];
                var length = MdpPacket.WriteData(copy, header, bytes.AsSpan(MdpPacket.HeaderSize, header.PayloadLength));
                Assert.Equal(bytes.AsSpan(0, length).ToArray(), copy.AsSpan(0, length).ToArray());
            }

            if (MdpPacket.TryReadHello(bytes, out var reply, out var probe, out var incarnation, out var next, out var key))
            {
                Assert.Equal(MdpPacketType.Hello, type);
                var copy = new byte[MdpPacket.HelloSize];
                MdpPacket.WriteHelloBody(copy, reply, incarnation, next, key, probe);
                Assert.Equal(bytes.AsSpan(0, MdpPacket.HelloBodySize).ToArray(), copy.AsSpan(0, MdpPacket.HelloBodySize).ToArray());
            }
        }), ciBudget: 2000, salt: 33);
    }

    [Fact]
    public void A_signed_datagram_with_anything_changed_should_never_verify()
    {
        var cases = from data in ValidData
                    from key in Key
                    from position in Gen.Choose(0, 10_000)
                    from flip in Gen.Choose(1, 255)
                    from other in Key
                    select (data.Header, data.Payload, key, position, (byte)flip, other);

        FuzzRun.Check(Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var datagram = Sign(t.Header, t.Payload, t.key);
            var changed = (byte[])datagram.Clone();
            changed[t.position % changed.Length] ^= t.Item5;
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, t.key);
            using var wrong = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, t.other);

            Assert.False(MdpLinkKeys.Verify(hmac, changed));
            Assert.True(MdpLinkKeys.Verify(hmac, datagram));
            Assert.False(MdpLinkKeys.Verify(wrong, datagram));
        }), ciBudget: 500, salt: 34);
    }

    [Fact]
    public void A_hello_key_that_is_not_a_p256_point_should_give_no_secret_and_never_throw()
    {
        using var identity = NodeIdentity.Generate();
        using var peer = NodeIdentity.Generate();
        var keys = Gen.OneOf(
            Gen.ArrayOf(WireGen.Byte, NodeIdentity.PublicKeySize).Select(k =>
            {
                k[0] = 0x04;
                return k;
            }),
            Gen.ArrayOf(WireGen.Byte, NodeIdentity.PublicKeySize),
            Gen.Choose(0, NodeIdentity.PublicKeySize - 1).Select(i =>
            {
                var k = (byte[])peer.PublicKey.Clone();
                k[i] ^= 1;
                return k;
            }),
            Gen.Choose(0, 100).SelectMany(n => Gen.ArrayOf(WireGen.Byte, n)));

        FuzzRun.Check(Prop.ForAll(keys.ToArbitrary(), key =>
        {
            // Random X and Y are on the curve with negligible probability, so every one of these is refused.
            Assert.Null(identity.DeriveSharedSecret(key));
        }), ciBudget: 300, salt: 35);

        Assert.Equal(identity.DeriveSharedSecret(peer.PublicKey), peer.DeriveSharedSecret(identity.PublicKey));
    }

    [Fact]
    public void The_receive_window_should_deliver_each_number_once_and_never_go_back_whatever_the_jumps()
    {
        var arrivals = Gen.ArrayOf(Gen.Zip(UInt, Gen.Frequency((3, Gen.Constant(0u)), (1, UInt))), 200)
            .SelectMany(jumps => Gen.Choose(0, 3).Select(mode => (jumps, mode)));

        FuzzRun.Check(Prop.ForAll(Gen.Zip(UInt, arrivals).ToArbitrary(), t =>
        {
            var (start, (jumps, mode)) = t;
            var window = new MdpReceiveWindow(start);
            var cumulative = window.Cumulative;
            var sequence = start;
            foreach (var (jump, floor) in jumps)
            {
                // Mode 0: near in-order traffic; 1: wild numbers; 2: replays of the last; 3: floors far ahead.
                sequence = mode switch
                {
                    0 => sequence + (jump % 8),
                    1 => jump,
                    2 => sequence,
                    _ => sequence + 1,
                };
                var wireFloor = mode == 3 ? sequence + (floor % 5000) : floor == 0 ? (uint)(window.Cumulative + 1) : floor;
                var first = window.Accept(sequence, wireFloor);
                Assert.False(first && window.Accept(sequence, wireFloor), $"hop sequence {sequence} was delivered twice");
                Assert.True(window.Cumulative >= cumulative, $"cumulative went back from {cumulative} to {window.Cumulative}");
                cumulative = window.Cumulative;
                _ = window.AckBits();
            }
        }), ciBudget: 300, salt: 36);
    }

    private static byte[] Sign(MdpHeader header, byte[] payload, byte[] key)
    {
        var datagram = new byte[MdpPacket.Overhead + payload.Length];
        var length = MdpPacket.WriteData(datagram, header, payload);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        MdpLinkKeys.Sign(hmac, datagram.AsSpan(0, length), datagram.AsSpan(length, MdpPacket.MacSize));
        return datagram;
    }

    private static byte[] Hello(byte[] bytes, byte flags)
    {
        bytes[0] = MdpPacket.Version;
        bytes[1] = (byte)MdpPacketType.Hello;
        bytes[2] = flags;
        return bytes;
    }

    private static byte[] Change(byte[] bytes, (int Position, byte Value)[] changes)
    {
        foreach (var (position, value) in changes)
        {
            bytes[position] = value;
        }

        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - MdpPacket.Overhead));
        return bytes;
    }

    private static byte[] Resize(byte[] bytes, int delta) =>
        delta < 0 ? bytes.AsSpan(0, Math.Max(0, bytes.Length + delta)).ToArray() : [.. bytes, .. new byte[delta]];
}
