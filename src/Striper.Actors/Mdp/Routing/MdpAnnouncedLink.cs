using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>A neighbour a node announces, and what reaching it costs (from the hop's measured RTT and losses).</summary>
internal readonly record struct MdpAnnouncedLink(Sid Neighbour, int Metric);
