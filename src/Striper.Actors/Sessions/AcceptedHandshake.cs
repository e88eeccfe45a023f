using Striper.Actors.Proxy;
using Striper.Actors.Security;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>
/// Server side: a hello that passed every check (and the proofs, with a secret), the frame cipher if sealed, the
/// target the OPEN names (a SOCKS client's), if it names one, and the key the session's JOINs must prove, if the
/// OPEN asked for one.
/// </summary>
internal sealed record AcceptedHandshake(Handshake Hello, SubstreamCipher? Cipher, HostPort? Target = null, byte[]? SessionKey = null);
