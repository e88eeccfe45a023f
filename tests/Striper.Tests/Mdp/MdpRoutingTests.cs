using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Mdp.Routing;
using Striper.Tests.Support;

namespace Striper.Tests.Mdp;

/// <summary>
/// What a neighbour sends on the router's port 0, as a node gets it: garbage, forged and valid announcements of other
/// nodes, and routed datagrams it cannot deliver. The bad ones are dropped and counted; a valid one is kept and makes
/// its node's services known.
/// </summary>
public sealed class MdpRoutingTests : StriperTestKit
{
    [Fact]
    public async Task Garbage_and_forged_announcements_should_be_dropped_and_counted_and_a_valid_one_kept()
    {
        await using var nodes = await NodePair.StartAsync(Sys);
        var toRouter = (await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(
            new MdpProtocol.OpenFlow(nodes.A.Sid, MdpEnvelope.RouterPort, ActorRefs.Nobody), TimeSpan.FromSeconds(5))).Flow;
        using var faraway = NodeIdentity.Generate();
        using var impostor = NodeIdentity.Generate();
        var before = await nodes.A.GetStatsAsync();

        // Garbage: an announcement envelope of random bytes, and one cut short.
        var random = new Random(3);
        for (var i = 0; i < 20; i++)
        {
            var garbage = new byte[random.Next(2, 1300)];
            random.NextBytes(garbage);
            garbage[0] = MdpEnvelope.AnnouncementKind;
            garbage[1] = 0;
            toRouter.Send(garbage);
        }

        // Forged: a node that is not "faraway" announcing a service in its name.
        toRouter.Send(Encode(impostor, new MdpAnnouncement(faraway.PublicKey, 1, [], [new MdpService("stolen", 7)])));

        // Routed datagrams for a SID nobody reaches, and one with no hops left.
        var routed = new byte[MdpEnvelope.RoutedHeaderSize + 10];
        MdpEnvelope.WriteRouted(routed, new MdpRoutedHeader(5, nodes.B.Sid, 1, faraway.Sid, 2), new byte[10]);
        toRouter.Send(routed);
        routed[1] = 0;
        toRouter.Send(routed);

        // And a valid announcement of a node two hops away, which A keeps.
        toRouter.Send(Encode(faraway, new MdpAnnouncement(faraway.PublicKey, 1, [new MdpAnnouncedLink(nodes.B.Sid, 1)], [new MdpService("echo", 7)])));

        var stats = await nodes.A.WaitForStatsAsync(s => s.AnnouncementsMalformed - before.AnnouncementsMalformed >= 20
            && s.AnnouncementsForged > before.AnnouncementsForged && s.AnnouncementsAccepted > before.AnnouncementsAccepted
            && s.NoRouteDropped > before.NoRouteDropped && s.HopLimitDropped > before.HopLimitDropped);
        Assert.Equal(1, stats.AnnouncementsForged - before.AnnouncementsForged);
        var services = await nodes.A.GetServicesAsync();
        Assert.DoesNotContain(services, s => s.Name == "stolen");
        var echo = Assert.Single(services, s => s.Name == "echo");
        Assert.Equal(faraway.Sid, echo.Node);

        // The link B announces as "faraway"'s other end is B's own: A reaches faraway only once B lists it too.
        Assert.Null(echo.Hops);
    }

    [Fact]
    public async Task Two_neighbours_should_learn_each_others_services_and_routes()
    {
        await using var nodes = await NodePair.StartAsync(Sys);
        Assert.Null(await nodes.B.RegisterServiceAsync("files", 12));
        Assert.Equal("a service name is 1 to 32 letters, digits, '.', '_' or '-'; got 9 characters", await nodes.B.RegisterServiceAsync("bad name!", 13));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        IReadOnlyList<MdpProtocol.KnownService> services;
        while (true)
        {
            services = await nodes.A.GetServicesAsync();
            if (services.Any(s => s.Name == "files" && s.Hops == 1) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        var files = Assert.Single(services, s => s.Name == "files");
        Assert.Equal((nodes.B.Sid, 12, (int?)1), (files.Node, files.Port, files.Hops));
    }

    [Fact]
    public async Task A_node_with_routing_off_should_neither_keep_announcements_nor_offer_services()
    {
        var settings = MdpSettings.Default with { HelloInterval = TimeSpan.FromMilliseconds(100), Routing = false };
        await using var nodes = await NodePair.StartAsync(Sys, settings, settingsB: settings with { Routing = true });
        using var faraway = NodeIdentity.Generate();
        var toRouter = (await nodes.B.Node.Ask<MdpProtocol.FlowOpened>(
            new MdpProtocol.OpenFlow(nodes.A.Sid, MdpEnvelope.RouterPort, ActorRefs.Nobody), TimeSpan.FromSeconds(5))).Flow;
        var before = await nodes.A.GetStatsAsync();

        toRouter.Send(Encode(faraway, new MdpAnnouncement(faraway.PublicKey, 1, [], [new MdpService("echo", 7)])));

        var stats = await nodes.A.WaitForStatsAsync(s => s.NoPortDropped > before.NoPortDropped);
        Assert.Equal(0, stats.AnnouncementsAccepted);
        Assert.Empty(await nodes.A.GetServicesAsync());
        Assert.Contains("striper.mdp.routing = off", await nodes.A.RegisterServiceAsync("files", 12), StringComparison.Ordinal);
    }

    private static byte[] Encode(NodeIdentity signer, MdpAnnouncement announcement)
    {
        var buffer = new byte[MdpAnnouncement.MaxSize];
        return buffer[..announcement.Encode(signer, buffer)];
    }
}
