namespace Striper.Actors.Wire;

internal static class ProtocolConstants
{
    /// <summary>"STRP": the first four bytes of every handshake and handshake reply.</summary>
    public const uint Magic = 0x53545250;

    public const byte Version = 1;

    public const int FrameHeaderSize = 24;

    public const int AckPayloadSize = 16;

    public const int RstPayloadSize = 4;

    /// <summary>No configuration may raise the data payload above this; it bounds a single allocation.</summary>
    public const int AbsoluteMaxPayload = 1 << 20;
}
