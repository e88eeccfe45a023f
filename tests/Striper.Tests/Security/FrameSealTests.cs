using System.Security.Cryptography;
using Striper.Actors.Security;
using Striper.Actors.Wire;

namespace Striper.Tests.Security;

public sealed class FrameSealTests
{
    private static readonly SharedSecret Secret = SharedSecret.CreateRandom();
    private static readonly Guid Session = Guid.NewGuid();
    private static readonly byte[] ServerNonce = RandomNumberGenerator.GetBytes(16);

    [Fact]
    public void Client_sealed_frames_should_open_at_the_server_in_order()
    {
        var (client, server) = Pair();
        for (var i = 0; i < 3; i++)
        {
            var (header, payload, ciphertext, tag) = Seal(client.Sealer, 1000 + i);

            Assert.NotEqual(payload, ciphertext);
            var plain = new byte[payload.Length];
            Assert.True(server.Opener.TryOpen(header, ciphertext, tag, plain));
            Assert.Equal(payload, plain);
        }
    }

    [Theory]
    [InlineData("header")]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    public void A_flipped_bit_anywhere_should_fail_and_yield_nothing(string where)
    {
        var (client, server) = Pair();
        var (header, _, ciphertext, tag) = Seal(client.Sealer, 512);
        var target = where switch { "header" => header, "ciphertext" => ciphertext, _ => tag };
        target[target.Length / 2] ^= 0x01;

        var plain = new byte[ciphertext.Length];
        Assert.False(server.Opener.TryOpen(header, ciphertext, tag, plain));
        Assert.All(plain, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_replayed_or_reordered_frame_should_fail()
    {
        var (client, server) = Pair();
        var first = Seal(client.Sealer, 64);
        var second = Seal(client.Sealer, 64);
        var plain = new byte[64];

        Assert.False(server.Opener.TryOpen(second.Header, second.Ciphertext, second.Tag, plain));
        var (_, fresh) = Pair();
        Assert.True(fresh.Opener.TryOpen(first.Header, first.Ciphertext, first.Tag, plain));
        Assert.False(fresh.Opener.TryOpen(first.Header, first.Ciphertext, first.Tag, plain));
    }

    [Fact]
    public void Keys_should_differ_per_direction_substream_and_nonce()
    {
        var (client, _) = Pair();
        var frame = Seal(client.Sealer, 64);
        var plain = new byte[64];

        // The client's own opener holds the other direction's key.
        Assert.False(client.Opener.TryOpen(frame.Header, frame.Ciphertext, frame.Tag, plain));
        var otherIndex = SubstreamCipher.Derive(Secret, Session, 4, 7, ServerNonce, isServer: true);
        Assert.False(otherIndex.Opener.TryOpen(frame.Header, frame.Ciphertext, frame.Tag, plain));
        var otherNonce = SubstreamCipher.Derive(Secret, Session, 3, 8, ServerNonce, isServer: true);
        Assert.False(otherNonce.Opener.TryOpen(frame.Header, frame.Ciphertext, frame.Tag, plain));
    }

    private static (SubstreamCipher Client, SubstreamCipher Server) Pair() => (
        SubstreamCipher.Derive(Secret, Session, 3, 7, ServerNonce, isServer: false),
        SubstreamCipher.Derive(Secret, Session, 3, 7, ServerNonce, isServer: true));

    private static (byte[] Header, byte[] Payload, byte[] Ciphertext, byte[] Tag) Seal(FrameSealer sealer, int length)
    {
        var header = new byte[ProtocolConstants.FrameHeaderSize];
        new FrameHeader(FrameType.Data, FrameFlags.None, length, 4096, 17).Write(header);
        var payload = RandomNumberGenerator.GetBytes(length);
        var ciphertext = new byte[length];
        var tag = new byte[ProtocolConstants.FrameTagSize];
        sealer.Seal(header, payload, ciphertext, tag);
        return (header, payload, ciphertext, tag);
    }
}
