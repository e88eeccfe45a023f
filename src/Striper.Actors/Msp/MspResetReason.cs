namespace Striper.Actors.Msp;

/// <summary>The reason byte of an RST packet.</summary>
internal enum MspResetReason : byte
{
    None = 0,
    UnknownStream = 1,
    Aborted = 2,
    IdleTimeout = 3,
    ProtocolError = 4,

    /// <summary>The endpoint already holds its maximum of streams (<see cref="MspSettings.MaxStreams"/>).</summary>
    TooManyStreams = 5,
}
