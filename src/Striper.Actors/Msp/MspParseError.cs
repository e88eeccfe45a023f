namespace Striper.Actors.Msp;

/// <summary>Why a datagram was not accepted as an MSP packet.</summary>
internal enum MspParseError
{
    None,
    TooShort,
    UnsupportedVersion,
    UnknownFlags,
    TooManySackBlocks,
    LengthMismatch,
    PayloadTooLarge,
    BadChecksum,
    InvalidFlagCombination,
}
