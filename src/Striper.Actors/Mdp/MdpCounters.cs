namespace Striper.Actors.Mdp;

/// <summary>
/// A node's counters, shared by its sockets, hops and node actor and bumped with Interlocked: every datagram that is
/// dropped is counted under its reason, so hostile or broken input shows up in <see cref="MdpStats"/>.
/// </summary>
internal sealed class MdpCounters
{
#pragma warning disable SA1401 // Fields are public so callers can pass them by ref to Interlocked.
    public long DatagramsReceived;
    public long DatagramsSent;
    public long Delivered;
    public long MalformedDropped;
    public long ForgedDropped;
    public long UnknownSenderDropped;
    public long DuplicatesDropped;
    public long NoPortDropped;
    public long OversizeDropped;
    public long Retransmissions;
    public long GivenUp;
    public long WindowOverflows;
    public long AcksSent;
    public long HellosReceived;
    public long HellosRejected;
    public long LinksRefused;
    public long LinksExpired;
    public long LinksClosedByPeer;
    public long HellosThrottled;
    public long SendErrors;
    public long SegmentedSends;
    public long Forwarded;
    public long NoRouteDropped;
    public long HopLimitDropped;
    public long AnnouncementsAccepted;
    public long AnnouncementsMalformed;
    public long AnnouncementsForged;
#pragma warning restore SA1401

    public MdpStats Snapshot(int hops) => new()
    {
        DatagramsReceived = Interlocked.Read(ref DatagramsReceived),
        DatagramsSent = Interlocked.Read(ref DatagramsSent),
        Delivered = Interlocked.Read(ref Delivered),
        MalformedDropped = Interlocked.Read(ref MalformedDropped),
        ForgedDropped = Interlocked.Read(ref ForgedDropped),
        UnknownSenderDropped = Interlocked.Read(ref UnknownSenderDropped),
        DuplicatesDropped = Interlocked.Read(ref DuplicatesDropped),
        NoPortDropped = Interlocked.Read(ref NoPortDropped),
        OversizeDropped = Interlocked.Read(ref OversizeDropped),
        Retransmissions = Interlocked.Read(ref Retransmissions),
        GivenUp = Interlocked.Read(ref GivenUp),
        WindowOverflows = Interlocked.Read(ref WindowOverflows),
        AcksSent = Interlocked.Read(ref AcksSent),
        HellosReceived = Interlocked.Read(ref HellosReceived),
        HellosRejected = Interlocked.Read(ref HellosRejected),
        LinksRefused = Interlocked.Read(ref LinksRefused),
        LinksExpired = Interlocked.Read(ref LinksExpired),
        LinksClosedByPeer = Interlocked.Read(ref LinksClosedByPeer),
        HellosThrottled = Interlocked.Read(ref HellosThrottled),
        SendErrors = Interlocked.Read(ref SendErrors),
        Forwarded = Interlocked.Read(ref Forwarded),
        NoRouteDropped = Interlocked.Read(ref NoRouteDropped),
        HopLimitDropped = Interlocked.Read(ref HopLimitDropped),
        AnnouncementsAccepted = Interlocked.Read(ref AnnouncementsAccepted),
        AnnouncementsMalformed = Interlocked.Read(ref AnnouncementsMalformed),
        AnnouncementsForged = Interlocked.Read(ref AnnouncementsForged),
        SegmentedSends = Interlocked.Read(ref SegmentedSends),
        Hops = hops,
    };
}
