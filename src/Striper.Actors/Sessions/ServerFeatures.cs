namespace Striper.Actors.Sessions;

/// <summary>
/// What a client proxy has learned about its server proxy, shared by all of its sessions. A server built before
/// session keys refuses an OPEN that asks for one as a bad handshake (an unknown flag); the first session that meets
/// such a refusal records it here, and from then on sessions open as before, with JOINs proven by the secret alone.
/// </summary>
internal sealed class ServerFeatures
{
    private int _refusesSessionKeys;

    public bool RefusesSessionKeys => Volatile.Read(ref _refusesSessionKeys) != 0;

    /// <summary>Records the refusal; true for the session that recorded it first (which says so in the log).</summary>
    public bool MarkRefusesSessionKeys() => Interlocked.Exchange(ref _refusesSessionKeys, 1) == 0;
}
