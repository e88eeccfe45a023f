using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>The best way this node knows to a SID: the neighbour to hand datagrams to, the path's metric, its hops.</summary>
internal readonly record struct MdpRoute(Sid Destination, Sid NextHop, int Metric, int Hops);
