namespace Striper.Actors.Wire;

[Flags]
internal enum FrameFlags : byte
{
    None = 0,

    /// <summary>On an ACK: the receiver has delivered every byte up to the FIN's final offset and shut down its edge.</summary>
    FinDelivered = 1,
}
