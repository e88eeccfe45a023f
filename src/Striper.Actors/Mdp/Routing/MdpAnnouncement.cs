using System.Buffers.Binary;
using System.Text;
using Striper.Actors.Identity;

namespace Striper.Actors.Mdp.Routing;

/// <summary>
/// What a node tells the mesh about itself, signed with its key: its public key (so the SID is proven), a sequence
/// number that only grows (the newest wins), its neighbours with a metric each, and its services. Every node floods
/// the newest announcement of every node to its neighbours, so all of them hold the same picture and compute their
/// routes from it (link state). Layout after the envelope's two bytes, big-endian:
///
/// public key (65), sequence (8), link count (1), links: SID (32) + metric (2) each, service count (1),
/// services: port (2) + name length (1) + name (UTF-8) each, signature (64: ECDSA P-256, SHA-256, r ‖ s) over
/// "striper-mdp-announce-v1" and everything from the public key to the last service.
/// </summary>
internal sealed record MdpAnnouncement(byte[] PublicKey, long Sequence, IReadOnlyList<MdpAnnouncedLink> Links, IReadOnlyList<MdpService> Services)
{
    /// <summary>Most links in one announcement: the lowest-metric ones are kept (an announcement is one datagram).</summary>
    public const int MaxLinks = 24;

    public const int MaxServices = 8;

    private const int LinkSize = Sid.Size + 2;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("striper-mdp-announce-v1");

    public Sid Origin { get; } = Sid.FromPublicKey(PublicKey);

    /// <summary>The most bytes an announcement can take, envelope header included.</summary>
    public static int MaxSize =>
        MdpEnvelope.AnnouncementHeaderSize + NodeIdentity.PublicKeySize + 8 + 1 + (MaxLinks * LinkSize) + 1
        + (MaxServices * (3 + MdpService.MaxNameLength)) + NodeIdentity.SignatureSize;

    /// <summary>Writes the envelope and the signed announcement; returns the length.</summary>
    public int Encode(NodeIdentity identity, Span<byte> destination)
    {
        destination[0] = MdpEnvelope.AnnouncementKind;
        destination[1] = 0;
        var body = destination[MdpEnvelope.AnnouncementHeaderSize..];
        PublicKey.CopyTo(body);
        var at = NodeIdentity.PublicKeySize;
        BinaryPrimitives.WriteInt64BigEndian(body[at..], Sequence);
        at += 8;
        var links = Links.Count > MaxLinks ? Links.OrderBy(l => l.Metric).Take(MaxLinks).ToList() : Links;
        body[at++] = (byte)links.Count;
        foreach (var link in links)
        {
            link.Neighbour.WriteBytes(body[at..]);
            BinaryPrimitives.WriteUInt16BigEndian(body[(at + Sid.Size)..], (ushort)Math.Clamp(link.Metric, 1, ushort.MaxValue));
            at += LinkSize;
        }

        var services = Services.Take(MaxServices).ToList();
        body[at++] = (byte)services.Count;
        foreach (var service in services)
        {
            BinaryPrimitives.WriteUInt16BigEndian(body[at..], (ushort)service.Port);
            var length = Encoding.ASCII.GetBytes(service.Name, body[(at + 3)..]);
            body[at + 2] = (byte)length;
            at += 3 + length;
        }

        var signature = identity.Sign([.. Label, .. body[..at]]);
        signature.CopyTo(body[at..]);
        return MdpEnvelope.AnnouncementHeaderSize + at + signature.Length;
    }

    /// <summary>
    /// Reads and checks an envelope holding an announcement: every length within its bounds, names valid, and the
    /// signature the announced key's. The error says what was wrong (the caller counts it as malformed or forged).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> envelope, out MdpAnnouncement? announcement, out bool forged, out string? error)
    {
        announcement = null;
        forged = false;
        if (envelope.Length < MdpEnvelope.AnnouncementHeaderSize || envelope[0] != MdpEnvelope.AnnouncementKind || envelope[1] != 0)
        {
            error = "not an announcement envelope";
            return false;
        }

        var body = envelope[MdpEnvelope.AnnouncementHeaderSize..];
        var at = NodeIdentity.PublicKeySize + 8;
        if (body.Length < at + 2 + NodeIdentity.SignatureSize || body[0] != 0x04)
        {
            error = $"an announcement of {envelope.Length} bytes";
            return false;
        }

        var sequence = BinaryPrimitives.ReadInt64BigEndian(body[NodeIdentity.PublicKeySize..]);
        int linkCount = body[at++];
        if (linkCount > MaxLinks || body.Length < at + (linkCount * LinkSize) + 1 + NodeIdentity.SignatureSize)
        {
            error = $"an announcement claiming {linkCount} links in {envelope.Length} bytes";
            return false;
        }

        var links = new List<MdpAnnouncedLink>(linkCount);
        for (var i = 0; i < linkCount; i++, at += LinkSize)
        {
            links.Add(new MdpAnnouncedLink(Sid.FromBytes(body[at..]), Math.Max(1, (int)BinaryPrimitives.ReadUInt16BigEndian(body[(at + Sid.Size)..]))));
        }

        int serviceCount = body[at++];
        if (serviceCount > MaxServices)
        {
            error = $"an announcement claiming {serviceCount} services (at most {MaxServices})";
            return false;
        }

        var services = new List<MdpService>(serviceCount);
        for (var i = 0; i < serviceCount; i++)
        {
            if (body.Length < at + 3 + NodeIdentity.SignatureSize)
            {
                error = "an announcement cut short inside its services";
                return false;
            }

            var port = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            int length = body[at + 2];
            if (length > MdpService.MaxNameLength || body.Length < at + 3 + length + NodeIdentity.SignatureSize)
            {
                error = $"an announcement with a service name of {length} bytes";
                return false;
            }

            var name = Encoding.ASCII.GetString(body.Slice(at + 3, length));
            if (port == 0 || !MdpService.IsValidName(name, out _))
            {
                error = "an announcement with an invalid service name or port";
                return false;
            }

            services.Add(new MdpService(name, port));
            at += 3 + length;
        }

        if (body.Length != at + NodeIdentity.SignatureSize)
        {
            error = $"an announcement with {body.Length - at - NodeIdentity.SignatureSize} bytes after its services";
            return false;
        }

        var publicKey = body[..NodeIdentity.PublicKeySize].ToArray();
        if (!NodeIdentity.Verify(publicKey, [.. Label, .. body[..at]], body[at..]))
        {
            forged = true;
            error = "an announcement whose signature is not its key's";
            return false;
        }

        announcement = new MdpAnnouncement(publicKey, sequence, links, services);
        error = null;
        return true;
    }
}
