using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>
/// The mesh as this node knows it: the newest announcement of every other node (with the bytes it came in, to pass
/// on unchanged), and the routes computed from them. Plain logic, no actor and no clock of its own, so it is tested
/// with made-up meshes.
///
/// Routes are shortest paths by metric (Dijkstra) over links both ends announce: a link that only one end lists is
/// half up (a hello lost one way, or a node that left and whose neighbour has not noticed yet) and carries nothing.
/// Announcements not renewed within the age limit are dropped, so a node that leaves disappears from every route.
/// </summary>
internal sealed class MdpLinkState
{
    private readonly Sid _self;
    private readonly TimeSpan _maxAge;
    private readonly Dictionary<Sid, Entry> _entries = [];

    public MdpLinkState(Sid self, TimeSpan maxAge)
    {
        _self = self;
        _maxAge = maxAge;
    }

    public int Count => _entries.Count;

    public IEnumerable<MdpAnnouncement> Announcements => _entries.Values.Select(e => e.Announcement);

    /// <summary>The bytes each stored announcement came in, for a neighbour that has just come up.</summary>
    public IEnumerable<byte[]> Envelopes => _entries.Values.Select(e => e.Envelope);

    /// <summary>Stores the announcement if it is the newest of its node; false for our own, an old one or a repeat.</summary>
    public bool Offer(MdpAnnouncement announcement, byte[] envelope, TimeSpan now)
    {
        if (announcement.Origin == _self)
        {
            return false;
        }

        if (_entries.TryGetValue(announcement.Origin, out var known) && known.Announcement.Sequence >= announcement.Sequence)
        {
            return false;
        }

        _entries[announcement.Origin] = new Entry(announcement, envelope, now);
        return true;
    }

    /// <summary>Drops announcements older than the age limit; true if any went.</summary>
    public bool Expire(TimeSpan now)
    {
        var old = _entries.Where(e => now - e.Value.ReceivedAt > _maxAge).Select(e => e.Key).ToList();
        foreach (var sid in old)
        {
            _entries.Remove(sid);
        }

        return old.Count > 0;
    }

    /// <summary>
    /// Shortest paths from this node. <paramref name="neighbours"/> are its live links with their metrics; a
    /// neighbour that has not announced itself (yet) is reachable directly but routes nothing onwards.
    /// </summary>
    public Dictionary<Sid, MdpRoute> ComputeRoutes(IReadOnlyDictionary<Sid, int> neighbours)
    {
        var best = new Dictionary<Sid, MdpRoute>();
        var queue = new PriorityQueue<MdpRoute, (int Metric, int Hops)>();
        foreach (var (neighbour, metric) in neighbours)
        {
            queue.Enqueue(new MdpRoute(neighbour, neighbour, metric, 1), (metric, 1));
        }

        while (queue.TryDequeue(out var route, out _))
        {
            if (route.Destination == _self || best.ContainsKey(route.Destination))
            {
                continue;
            }

            best[route.Destination] = route;
            if (!_entries.TryGetValue(route.Destination, out var entry))
            {
                continue;
            }

            foreach (var link in entry.Announcement.Links)
            {
                if (best.ContainsKey(link.Neighbour) || !ListsBack(link.Neighbour, route.Destination))
                {
                    continue;
                }

                var metric = route.Metric + link.Metric;
                queue.Enqueue(new MdpRoute(link.Neighbour, route.NextHop, metric, route.Hops + 1), (metric, route.Hops + 1));
            }
        }

        return best;
    }

    /// <summary>Every service the mesh announces, with the node offering it.</summary>
    public IEnumerable<(Sid Node, MdpService Service)> Services =>
        _entries.Values.SelectMany(e => e.Announcement.Services.Select(s => (e.Announcement.Origin, s)));

    /// <summary>Whether <paramref name="node"/> announces a link to <paramref name="to"/> (our own links count as listed by us).</summary>
    private bool ListsBack(Sid node, Sid to) =>
        node == _self || (_entries.TryGetValue(node, out var entry) && entry.Announcement.Links.Any(l => l.Neighbour == to));

    private sealed record Entry(MdpAnnouncement Announcement, byte[] Envelope, TimeSpan ReceivedAt);
}
