namespace Striper.Actors.Msp;

/// <summary>A run of received sequence numbers beyond the cumulative ack, as on the wire: 32-bit, End exclusive.</summary>
internal readonly record struct MspSackBlock(uint Start, uint End);
