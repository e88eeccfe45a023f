using Striper.Actors.Security;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>Server side: a hello that passed every check (and the proofs, with a secret), and the frame cipher if sealed.</summary>
internal sealed record AcceptedHandshake(Handshake Hello, SubstreamCipher? Cipher);
