using Striper.Actors.Identity;
using Striper.Actors.Mdp.Routing;

namespace Striper.Tests.Mdp;

public sealed class MdpAnnouncementTests : IDisposable
{
    private readonly NodeIdentity _node = NodeIdentity.Generate();
    private readonly NodeIdentity _other = NodeIdentity.Generate();

    [Fact]
    public void An_announcement_should_come_back_as_it_was_sent_with_its_origin_proven_by_its_key()
    {
        var sent = Announcement(_node, 42, links: 3, services: 2);

        var envelope = Encode(_node, sent);

        Assert.True(MdpAnnouncement.TryDecode(envelope, out var received, out var forged, out var error), error);
        Assert.False(forged);
        Assert.Equal(_node.Sid, received!.Origin);
        Assert.Equal(42, received.Sequence);
        Assert.Equal(sent.Links, received.Links);
        Assert.Equal(sent.Services, received.Services);
    }

    [Fact]
    public void An_announcement_signed_by_another_key_should_be_called_forged()
    {
        // What a node would send to pass itself off as another: the other's key, its own signature.
        var envelope = Encode(_other, Announcement(_node, 1, links: 2, services: 1));

        Assert.False(MdpAnnouncement.TryDecode(envelope, out _, out var forged, out var error));
        Assert.True(forged, error);
    }

    [Fact]
    public void Every_single_byte_changed_should_be_refused_without_an_exception()
    {
        var envelope = Encode(_node, Announcement(_node, 7, links: 4, services: 2));
        for (var i = 0; i < envelope.Length; i++)
        {
            var mutated = envelope.ToArray();
            mutated[i] ^= 0x41;

            Assert.False(MdpAnnouncement.TryDecode(mutated, out _, out _, out var error), $"byte {i} changed and still accepted");
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void Garbage_and_cut_announcements_should_be_refused_without_an_exception()
    {
        var random = new Random(5);
        var envelope = Encode(_node, Announcement(_node, 7, links: 4, services: 2));
        for (var length = 0; length < envelope.Length; length++)
        {
            Assert.False(MdpAnnouncement.TryDecode(envelope.AsSpan(0, length), out _, out _, out _));
        }

        for (var i = 0; i < 2000; i++)
        {
            var garbage = new byte[random.Next(0, 1400)];
            random.NextBytes(garbage);
            if (garbage.Length > 1)
            {
                garbage[0] = MdpEnvelope.AnnouncementKind;
                garbage[1] = 0;
            }

            Assert.False(MdpAnnouncement.TryDecode(garbage, out _, out _, out _));
        }
    }

    [Fact]
    public void Too_many_links_should_keep_the_cheapest_and_still_fit_one_datagram()
    {
        var links = Enumerable.Range(0, 40).Select(i => new MdpAnnouncedLink(Sid.FromPublicKey([(byte)i]), 1000 - i)).ToList();
        var envelope = Encode(_node, new MdpAnnouncement(_node.PublicKey, 1, links, []));

        Assert.True(MdpAnnouncement.TryDecode(envelope, out var received, out _, out var error), error);
        Assert.Equal(MdpAnnouncement.MaxLinks, received!.Links.Count);
        Assert.Equal(1000 - 39, received.Links.Min(l => l.Metric));
        Assert.True(envelope.Length <= MdpAnnouncement.MaxSize);
    }

    public void Dispose()
    {
        _node.Dispose();
        _other.Dispose();
    }

    private static MdpAnnouncement Announcement(NodeIdentity identity, long sequence, int links, int services) => new(
        identity.PublicKey,
        sequence,
        [.. Enumerable.Range(0, links).Select(i => new MdpAnnouncedLink(Sid.FromPublicKey([(byte)i, 1]), 10 + i))],
        [.. Enumerable.Range(0, services).Select(i => new MdpService($"svc-{i}", 100 + i))]);

    private static byte[] Encode(NodeIdentity signer, MdpAnnouncement announcement)
    {
        var buffer = new byte[MdpAnnouncement.MaxSize];
        var length = announcement.Encode(signer, buffer);
        return buffer[..length];
    }
}
