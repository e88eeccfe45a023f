using System.Buffers.Binary;

namespace Striper.Actors.Wire;

/// <summary>
/// The 16-byte body of an ACK: how far the receiver has delivered in order, and the offset the sender may
/// send up to (delivered-to-edge plus the receiver's credit window).
/// </summary>
internal readonly record struct AckPayload(long Delivered, long CreditLimit)
{
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, Delivered);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], CreditLimit);
    }

    public static AckPayload Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64BigEndian(source), BinaryPrimitives.ReadInt64BigEndian(source[8..]));
}
