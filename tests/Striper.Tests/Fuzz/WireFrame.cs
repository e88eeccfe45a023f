using System.Buffers.Binary;
using Striper.Actors.Wire;

namespace Striper.Tests.Fuzz;

/// <summary>
/// A frame as it travels, header fields plus payload, written with the production <see cref="FrameHeader"/> and
/// <see cref="AckPayload"/> writers. <see cref="Describe"/> gives a value to compare, since records compare arrays
/// by reference.
/// </summary>
internal sealed record WireFrame(FrameType Type, FrameFlags Flags, long Offset, long Stamp, byte[] Payload)
{
    public static WireFrame Data(long offset, long stamp, byte[] payload) => new(FrameType.Data, FrameFlags.None, offset, stamp, payload);

    public static WireFrame Ack(long received, long stampEcho, bool finDelivered, AckPayload ack)
    {
        var payload = new byte[ProtocolConstants.AckPayloadSize];
        ack.Write(payload);
        return new(FrameType.Ack, finDelivered ? FrameFlags.FinDelivered : FrameFlags.None, received, stampEcho, payload);
    }

    public static WireFrame Fin(long finalOffset) => new(FrameType.Fin, FrameFlags.None, finalOffset, 0, []);

    public static WireFrame Rst(int reason)
    {
        var payload = new byte[ProtocolConstants.RstPayloadSize];
        BinaryPrimitives.WriteInt32BigEndian(payload, reason);
        return new(FrameType.Rst, FrameFlags.None, 0, 0, payload);
    }

    public int EncodedLength => ProtocolConstants.FrameHeaderSize + Payload.Length;

    public void Write(Span<byte> destination)
    {
        new FrameHeader(Type, Flags, Payload.Length, Offset, Stamp).Write(destination);
        Payload.CopyTo(destination[ProtocolConstants.FrameHeaderSize..]);
    }

    public static byte[] Encode(IEnumerable<WireFrame> frames)
    {
        var list = frames.ToList();
        var bytes = new byte[list.Sum(f => f.EncodedLength)];
        var at = 0;
        foreach (var frame in list)
        {
            frame.Write(bytes.AsSpan(at));
            at += frame.EncodedLength;
        }

        return bytes;
    }

    public string Describe() => $"{Type}/{(byte)Flags}/{Offset}/{Stamp}/{Convert.ToHexString(Payload)}";
}
