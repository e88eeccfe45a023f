namespace Striper.Tests.Fuzz;

/// <summary>
/// One valid input for the mutational fuzzer: its bytes, what decodes it, and where its integer fields are (frame
/// length and offset fields), so mutations can aim boundary values at them instead of only at random bytes.
/// </summary>
internal sealed record FuzzSeed(string Name, FuzzSeedKind Kind, byte[] Bytes, int[] LengthFields, int[] OffsetFields);
