namespace Striper.Actors.Settings;

/// <summary>config.hocon's <c>encrypt</c>: whether substream frames are sealed, resolved against the secret at start.</summary>
public enum EncryptionMode
{
    /// <summary>Encrypt when a shared secret is set (the default: it costs about a quarter more CPU, see docs/PROTOCOL.md).</summary>
    Auto,

    /// <summary>Always; a missing secret is a configuration error.</summary>
    On,

    /// <summary>Never from this side (the peer may still ask for it).</summary>
    Off,
}
