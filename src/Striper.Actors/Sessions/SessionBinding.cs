namespace Striper.Actors.Sessions;

/// <summary>
/// What ties a client's dial to its session beyond the session id (with a secret only): an OPEN offers to derive a
/// session key; a JOIN proves the key its session's OPEN derived. The default binds nothing, as before session keys.
/// </summary>
internal readonly record struct SessionBinding(bool Offer, byte[]? Key)
{
    /// <summary>An OPEN that asks the server for a session key.</summary>
    public static SessionBinding Offered => new(true, null);

    /// <summary>A JOIN that proves <paramref name="key"/>, or one proven with the secret alone when it is null.</summary>
    public static SessionBinding Proving(byte[]? key) => new(false, key);

    public bool Binds(Wire.HandshakeKind kind) => kind == Wire.HandshakeKind.Open ? Offer : Key is not null;
}
