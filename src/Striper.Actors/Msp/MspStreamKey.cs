namespace Striper.Actors.Msp;

/// <summary>How an endpoint names a stream: the id and whether this end opened it.</summary>
internal readonly record struct MspStreamKey(uint Id, bool Local);
