using Striper.Actors.Security;
using Striper.Actors.Transport;

namespace Striper.Actors.Sessions;

/// <summary>Client side: a substream the server accepted (on either transport), and its frame cipher when frames are sealed.</summary>
internal sealed record DialedSubstream(SubstreamConnection Connection, SubstreamCipher? Cipher);
