using System.Buffers.Binary;
using Striper.Actors.Wire;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Actors.Legs;

/// <summary>The control frames every substream leg writes the same way, whatever carries them.</summary>
internal static class FrameWriterExtensions
{
    public static void Write(this IFrameWriter writer, WriteAck message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.AckPayloadSize];
        message.Ack.Write(payload);
        writer.WriteHeader(new FrameHeader(FrameType.Ack, message.Flags, payload.Length, message.Received, message.StampEcho), payload);
    }

    public static void Write(this IFrameWriter writer, WriteRst message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.RstPayloadSize];
        BinaryPrimitives.WriteInt32BigEndian(payload, (int)message.Reason);
        writer.WriteHeader(new FrameHeader(FrameType.Rst, FrameFlags.None, payload.Length, 0, 0), payload);
    }

    public static void Write(this IFrameWriter writer, WriteFin message) =>
        writer.WriteHeader(new FrameHeader(FrameType.Fin, FrameFlags.None, 0, message.FinalOffset, 0), []);

    /// <summary>The DATA frame's header; its payload follows from the Striper's own buffer, sealed or not.</summary>
    public static FrameHeader Header(this WriteData message) =>
        new(FrameType.Data, FrameFlags.None, message.Lease.Length, message.Offset, message.Stamp);
}
