using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>The addressing of a datagram that travels more than one hop: who sent it from which port, to whom.</summary>
internal readonly record struct MdpRoutedHeader(int HopsLeft, Sid Source, int SourcePort, Sid Destination, int DestinationPort);
