using Microsoft.Extensions.Time.Testing;
using Striper.Actors.Buffers;
using Striper.Actors.Metrics;

namespace Striper.Tests.Metrics;

public sealed class StatusSamplerTests
{
    private static readonly ProxyDescription Client = new("client", "127.0.0.1:11111", "server:22222");

    [Fact]
    public void Sample_should_rate_bytes_over_the_time_since_the_sample_before()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var metrics = new ProxyMetrics();
        var budget = new BufferBudget(1 << 20);
        var sampler = new StatusSampler(Client, metrics, budget, clock);
        var connection = new ConnectionStats(Guid.NewGuid(), "127.0.0.1:50000", "server:22222", 2, clock.GetUtcNow());
        metrics.SessionOpened(connection);
        connection.Substream(0)!.SetState(SubstreamState.Up);
        connection.Substream(1)!.SetState(SubstreamState.Lost);

        clock.Advance(TimeSpan.FromSeconds(2));
        Send(metrics, connection, 1, 3000);
        var first = sampler.Sample();

        clock.Advance(TimeSpan.FromSeconds(4));
        Send(metrics, connection, 0, 8000);
        var second = sampler.Sample();

        // First sample: the connection is rated from its start (2 s), the proxy from the sampler's start.
        var c1 = Assert.Single(first.Connections);
        Assert.Equal(1500, c1.RateOut);
        Assert.Equal(1500, c1.Substreams[1].Rate);
        Assert.Equal("lost", c1.Substreams[1].State);
        Assert.Equal(1.0, c1.Substreams[1].Share);

        var c2 = Assert.Single(second.Connections);
        Assert.Equal(2000, c2.RateOut);
        Assert.Equal(2000, c2.Substreams[0].Rate);
        Assert.Equal(0, c2.Substreams[1].Rate);
        Assert.Equal(8.0 / 11, c2.Substreams[0].Share, 6);
        Assert.Equal(11000, second.BytesOut);
        Assert.Equal(2000, second.RateOut);
        Assert.Equal(6, second.UptimeSeconds);
        Assert.Equal(6, c2.AgeSeconds);
        Assert.Equal(1 << 20, second.BufferLimit);

        metrics.SessionClosed(connection);
        clock.Advance(TimeSpan.FromSeconds(1));
        var third = sampler.Sample();
        Assert.Empty(third.Connections);
        Assert.Equal(1, third.SessionsOpened);
        Assert.Equal(0, third.SessionsActive);
        Assert.Equal(0, third.RateOut);
    }

    [Fact]
    public void Sample_should_show_msp_figures_on_msp_substreams_only_and_forget_them_when_the_index_moves_to_tcp()
    {
        var clock = new FakeTimeProvider();
        var metrics = new ProxyMetrics();
        var sampler = new StatusSampler(Client, metrics, null, clock);
        var connection = new ConnectionStats(Guid.NewGuid(), "127.0.0.1:50000", "server:22222", 2, clock.GetUtcNow());
        metrics.SessionOpened(connection);
        var figures = new MspSubstreamStatus("bbr", "probe-bw cruise", 6.25e7, 150, 15600, 6.3e7, 0.001, 32768, 32768);
        connection.Substream(0)!.SetState(SubstreamState.Up);
        connection.Substream(0)!.SetTransport(msp: true);
        connection.Substream(0)!.SetMsp(figures);
        connection.Substream(1)!.SetState(SubstreamState.Up);

        var first = Assert.Single(sampler.Sample().Connections);
        Assert.Same(figures, first.Substreams[0].Msp);
        Assert.Null(first.Substreams[1].Msp);

        // A leg of the same index over TCP replaces the MSP one; the old port's late clear must not wipe newer figures.
        connection.Substream(0)!.SetTransport(msp: false);
        Assert.Null(Assert.Single(sampler.Sample().Connections).Substreams[0].Msp);
        connection.Substream(0)!.SetTransport(msp: true);
        var newer = figures with { Phase = "startup" };
        connection.Substream(0)!.SetMsp(newer);
        connection.Substream(0)!.ClearMsp(figures);
        Assert.Same(newer, Assert.Single(sampler.Sample().Connections).Substreams[0].Msp);
        connection.Substream(0)!.ClearMsp(newer);
        Assert.Null(Assert.Single(sampler.Sample().Connections).Substreams[0].Msp);
    }

    private static void Send(ProxyMetrics metrics, ConnectionStats connection, int index, long bytes)
    {
        metrics.AddOut(bytes);
        connection.AddOut(bytes);
        connection.Substream(index)!.AddSent(bytes);
    }
}
