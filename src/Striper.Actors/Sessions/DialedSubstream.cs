using System.Net.Sockets;
using Striper.Actors.Security;

namespace Striper.Actors.Sessions;

/// <summary>Client side: a substream the server accepted, and its frame cipher when frames are sealed.</summary>
internal sealed record DialedSubstream(Socket Socket, SubstreamCipher? Cipher);
