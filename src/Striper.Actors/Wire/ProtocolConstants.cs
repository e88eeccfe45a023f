namespace Striper.Actors.Wire;

internal static class ProtocolConstants
{
    /// <summary>"STRP": the first four bytes of every handshake and handshake reply.</summary>
    public const uint Magic = 0x53545250;

    /// <summary>
    /// 2: authenticated handshake (nonces and proofs) and optional sealed frames. Version 1 peers are refused
    /// with a reply they can still read (same magic, same 8-byte size), so both sides say "version".
    /// </summary>
    public const byte Version = 2;

    public const int FrameHeaderSize = 24;

    public const int AckPayloadSize = 16;

    public const int RstPayloadSize = 4;

    /// <summary>No configuration may raise the data payload above this; it bounds a single allocation.</summary>
    public const int AbsoluteMaxPayload = 1 << 20;

    /// <summary>Bytes a sealed (encrypted) frame carries after its payload: the AES-GCM tag.</summary>
    public const int FrameTagSize = 16;

    /// <summary>Size of each side's handshake nonce.</summary>
    public const int NonceSize = 16;

    /// <summary>Size of an HMAC-SHA256 handshake proof.</summary>
    public const int ProofSize = 32;
}
