using Striper.Actors.Identity;
using Striper.Actors.Mdp.Routing;

namespace Striper.Tests.Mdp;

/// <summary>Routes computed from made-up meshes: nodes named by letter, links listed by both ends unless said otherwise.</summary>
public sealed class MdpLinkStateTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(20);
    private readonly Dictionary<char, Sid> _sids = [];
    private readonly Dictionary<char, byte[]> _keys = [];

    [Fact]
    public void In_a_line_every_node_should_be_reached_through_the_first_neighbour()
    {
        var state = StateOf('a', "ab", "bc", "cd", "de");

        var routes = state.ComputeRoutes(Neighbours(('b', 1)));

        Assert.Equal([1, 2, 3, 4], "bcde".Select(n => routes[Sid(n)].Hops));
        Assert.All(routes.Values, r => Assert.Equal(Sid('b'), r.NextHop));
    }

    [Fact]
    public void A_link_only_one_end_announces_should_carry_nothing()
    {
        var state = new MdpLinkState(Sid('a'), MaxAge);
        Offer(state, 'b', 1, ('a', 1), ('c', 1));
        Offer(state, 'c', 1, ('d', 1)); // c does not list b: half up

        var routes = state.ComputeRoutes(Neighbours(('b', 1)));

        Assert.True(routes.ContainsKey(Sid('b')));
        Assert.False(routes.ContainsKey(Sid('c')));
    }

    [Fact]
    public void The_cheaper_path_should_win_over_the_shorter_one()
    {
        // a-b-d costs 1 + 50; a-c-e-d costs 1 + 1 + 1.
        var state = new MdpLinkState(Sid('a'), MaxAge);
        Offer(state, 'b', 1, ('a', 1), ('d', 50));
        Offer(state, 'c', 1, ('a', 1), ('e', 1));
        Offer(state, 'e', 1, ('c', 1), ('d', 1));
        Offer(state, 'd', 1, ('b', 50), ('e', 1));

        var route = state.ComputeRoutes(Neighbours(('b', 1), ('c', 1)))[Sid('d')];

        Assert.Equal((Sid('c'), 3, 3), (route.NextHop, route.Hops, route.Metric));
    }

    [Fact]
    public void A_ring_should_route_the_other_way_round_once_a_node_has_left()
    {
        // a-b-c-d-e-a: a reaches c through b.
        var state = StateOf('a', "ab", "bc", "cd", "de", "ea");
        Assert.Equal(Sid('b'), state.ComputeRoutes(Neighbours(('b', 1), ('e', 1)))[Sid('c')].NextHop);

        // b leaves: c re-announces without it, d and e renew theirs, and b's own announcement ages out.
        var later = TimeSpan.FromSeconds(15);
        Offer(state, 'c', 2, later, ('d', 1));
        Offer(state, 'd', 2, later, ('c', 1), ('e', 1));
        Offer(state, 'e', 2, later, ('d', 1), ('a', 1));
        Assert.True(state.Expire(MaxAge + TimeSpan.FromSeconds(5)));
        var route = state.ComputeRoutes(Neighbours(('e', 1)))[Sid('c')];

        Assert.Equal((Sid('e'), 3), (route.NextHop, route.Hops));
        Assert.Equal(3, state.Count);
    }

    [Fact]
    public void Announcements_not_renewed_should_expire_and_take_their_routes_with_them()
    {
        var state = StateOf('a', "ab", "bc");
        Assert.True(state.ComputeRoutes(Neighbours(('b', 1))).ContainsKey(Sid('c')));

        Assert.True(state.Expire(MaxAge + TimeSpan.FromSeconds(1)));

        Assert.Equal(0, state.Count);
        Assert.False(state.ComputeRoutes(Neighbours(('b', 1))).ContainsKey(Sid('c')));
    }

    [Fact]
    public void Only_a_newer_announcement_should_replace_the_one_held_and_our_own_should_be_ignored()
    {
        var state = new MdpLinkState(Sid('a'), MaxAge);

        Assert.True(Offer(state, 'b', 5, ('a', 1)));
        Assert.False(Offer(state, 'b', 5, ('a', 1)));
        Assert.False(Offer(state, 'b', 4, ('a', 1)));
        Assert.True(Offer(state, 'b', 6, ('a', 1)));
        Assert.False(Offer(state, 'a', 100, ('b', 1)));
        Assert.Equal(1, state.Count);
    }

    private MdpLinkState StateOf(char self, params string[] links)
    {
        var state = new MdpLinkState(Sid(self), MaxAge);
        foreach (var node in links.SelectMany(l => l).Distinct().Where(n => n != self))
        {
            var neighbours = links.Where(l => l.Contains(node)).Select(l => (l[0] == node ? l[1] : l[0], 1)).ToArray();
            Offer(state, node, 1, neighbours);
        }

        return state;
    }

    private bool Offer(MdpLinkState state, char node, long sequence, params (char Neighbour, int Metric)[] links) =>
        Offer(state, node, sequence, TimeSpan.Zero, links);

    private bool Offer(MdpLinkState state, char node, long sequence, TimeSpan now, params (char Neighbour, int Metric)[] links)
    {
        var announcement = new MdpAnnouncement(Key(node), sequence, [.. links.Select(l => new MdpAnnouncedLink(Sid(l.Neighbour), l.Metric))], []);
        return state.Offer(announcement, [], now);
    }

    private Dictionary<Sid, int> Neighbours(params (char Node, int Metric)[] neighbours) => neighbours.ToDictionary(n => Sid(n.Node), n => n.Metric);

    private byte[] Key(char node)
    {
        if (!_keys.TryGetValue(node, out var key))
        {
            // A made-up public key per letter: the link state only hashes it into the SID.
            key = new byte[NodeIdentity.PublicKeySize];
            key[0] = 0x04;
            key[1] = (byte)node;
            _keys[node] = key;
        }

        return key;
    }

    private Sid Sid(char node)
    {
        if (!_sids.TryGetValue(node, out var sid))
        {
            sid = Striper.Actors.Identity.Sid.FromPublicKey(Key(node));
            _sids[node] = sid;
        }

        return sid;
    }
}
