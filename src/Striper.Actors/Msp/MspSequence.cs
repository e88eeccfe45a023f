namespace Striper.Actors.Msp;

/// <summary>
/// Sequence numbers are 64-bit inside a stream and 32-bit on the wire. A wire value is read as the 64-bit number
/// nearest to a reference the reader already knows (serial number arithmetic, RFC 1982), which is exact while the
/// two ends are less than 2^31 messages apart; windows are far smaller.
/// </summary>
internal static class MspSequence
{
    public static long Unwrap(uint wire, long reference) => reference + (int)(wire - (uint)reference);

    public static uint ToWire(long sequence) => (uint)sequence;
}
