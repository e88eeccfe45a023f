namespace Striper.Actors.Msp;

/// <summary>The reason byte of an RST packet.</summary>
internal enum MspResetReason : byte
{
    None = 0,
    UnknownStream = 1,
    Aborted = 2,
    IdleTimeout = 3,
    ProtocolError = 4,
}
