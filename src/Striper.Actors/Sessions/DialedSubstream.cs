using Striper.Actors.Security;
using Striper.Actors.Transport;

namespace Striper.Actors.Sessions;

/// <summary>
/// Client side: a substream the server accepted (on either transport), its frame cipher when frames are sealed, and
/// (from an OPEN that asked for one) the key the session's JOINs must prove.
/// </summary>
internal sealed record DialedSubstream(SubstreamConnection Connection, SubstreamCipher? Cipher, byte[]? SessionKey = null);
