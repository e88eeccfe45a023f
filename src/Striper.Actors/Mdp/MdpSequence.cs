namespace Striper.Actors.Mdp;

/// <summary>Hop sequence numbers are 64-bit inside a node and 32-bit on the wire (RFC 1982 serial arithmetic).</summary>
internal static class MdpSequence
{
    /// <summary>The 64-bit number nearest <paramref name="reference"/> whose low 32 bits are <paramref name="wire"/>.</summary>
    public static long Unwrap(uint wire, long reference) => reference + (int)(wire - (uint)reference);
}
