using System.Text;
using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

public sealed class Crc32CTests
{
    [Fact]
    public void Crc32C_should_match_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Crc32C_should_match_the_rfc3720_vectors()
    {
        // iSCSI (RFC 3720, B.4): 32 bytes of zeros, of 0xFF, and ascending 0..31.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void Crc32C_hardware_and_table_paths_should_agree_on_every_length()
    {
        var random = new Random(42);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Crc32C.ComputeWithTable(data), Crc32C.Compute(data));
        }
    }
}
