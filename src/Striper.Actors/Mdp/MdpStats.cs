namespace Striper.Actors.Mdp;

/// <summary>A snapshot of a node's counters (see <see cref="MdpCounters"/>), for tests, logs and the benchmark.</summary>
internal sealed record MdpStats
{
    public long DatagramsReceived { get; init; }

    public long DatagramsSent { get; init; }

    /// <summary>Datagrams handed to a local port (after MAC check and duplicate removal).</summary>
    public long Delivered { get; init; }

    /// <summary>Not a well-formed MDP datagram (short, wrong version or type, length disagreeing with size).</summary>
    public long MalformedDropped { get; init; }

    /// <summary>Well-formed, from a known neighbour's address, but the MAC did not verify: forged or corrupted.</summary>
    public long ForgedDropped { get; init; }

    /// <summary>DATA or ACK from an address with no neighbour link (no valid hello yet).</summary>
    public long UnknownSenderDropped { get; init; }

    public long DuplicatesDropped { get; init; }

    /// <summary>Nothing bound to the destination port.</summary>
    public long NoPortDropped { get; init; }

    /// <summary>Sends refused: payload over the MTU, or no link to the neighbour yet.</summary>
    public long OversizeDropped { get; init; }

    public long Retransmissions { get; init; }

    /// <summary>Datagrams a hop stopped retransmitting because their retries were used up: MSP repairs them end to end.</summary>
    public long GivenUp { get; init; }

    /// <summary>
    /// Datagrams a hop stopped tracking unacknowledged because its window was full when the next one was sent (the
    /// sender never waits for a hop). Usually they had arrived and only their hop acknowledgement was late; any that
    /// had not are MSP's to repair, like <see cref="GivenUp"/>.
    /// </summary>
    public long WindowOverflows { get; init; }

    public long AcksSent { get; init; }

    public long HellosReceived { get; init; }

    /// <summary>Hellos with a bad key or MAC.</summary>
    public long HellosRejected { get; init; }

    /// <summary>Verified hellos from a new address dropped because the node already had <see cref="MdpSettings.MaxLinks"/> links.</summary>
    public long LinksRefused { get; init; }

    /// <summary>Links removed because nothing valid was heard on them for <see cref="MdpSettings.LinkTimeout"/>.</summary>
    public long LinksExpired { get; init; }

    /// <summary>Links removed because the neighbour said bye (it closed its end, the socket of an own-socket flow).</summary>
    public long LinksClosedByPeer { get; init; }

    /// <summary>Hellos dropped unchecked because the node was over <see cref="MdpSettings.MaxHellosPerSecond"/>.</summary>
    public long HellosThrottled { get; init; }

    public long SendErrors { get; init; }

    /// <summary>Runs of datagrams that left in one segmented send (of <see cref="DatagramsSent"/>).</summary>
    public long SegmentedSends { get; init; }

    public int Hops { get; init; }

    /// <summary>Routed datagrams passed on towards another node.</summary>
    public long Forwarded { get; init; }

    /// <summary>Routed datagrams (or sends on a routed flow) for a SID no route reached.</summary>
    public long NoRouteDropped { get; init; }

    /// <summary>Routed datagrams malformed or out of hops (a route loop cannot keep one alive).</summary>
    public long HopLimitDropped { get; init; }

    /// <summary>Route announcements stored as their node's newest (and passed on).</summary>
    public long AnnouncementsAccepted { get; init; }

    /// <summary>Route announcements dropped as malformed (lengths, counts, names).</summary>
    public long AnnouncementsMalformed { get; init; }

    /// <summary>Route announcements dropped because the signature is not the announced key's.</summary>
    public long AnnouncementsForged { get; init; }

    /// <summary>Everything dropped because it was not valid input.</summary>
    public long InvalidDropped => MalformedDropped + ForgedDropped + UnknownSenderDropped + HellosRejected;
}
