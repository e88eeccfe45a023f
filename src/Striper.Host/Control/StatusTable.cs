using System.Globalization;
using System.Text;
using Striper.Actors.Metrics;

namespace Striper.Host.Control;

/// <summary>
/// What <c>striper status</c> prints for one proxy: a head line, then each connection and its substreams. A connection
/// with MSP substreams gets the streams' own model of their paths as more columns (blank on its TCP substreams).
/// </summary>
internal static class StatusTable
{
    private static readonly string[] Header = ["sub", "transport", "state", "rtt", "delivery", "in flight", "share", "rate", "redials"];
    private static readonly string[] MspHeader = ["msp congestion control", "bandwidth", "min rtt", "cwnd", "pacing", "loss"];
    private static readonly HashSet<int> TextColumns = [1, 2, Header.Length];

    public static string Render(ProxyStatus status)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{status.Role} proxy {status.Listen} -> {status.Remote}, up {Age(status.UptimeSeconds)}: ")
            .Append(CultureInfo.InvariantCulture, $"{status.SessionsActive} connection{(status.SessionsActive == 1 ? "" : "s")} open ({status.SessionsOpened} opened), ")
            .Append(CultureInfo.InvariantCulture, $"out {Bytes(status.BytesOut)} at {Rate(status.RateOut)}, in {Bytes(status.BytesIn)} at {Rate(status.RateIn)}")
            .AppendLine()
            .Append(CultureInfo.InvariantCulture, $"  resent {Bytes(status.ResentBytes)}, substreams lost {status.SubstreamsLost}, redials {status.Redials}, ")
            .Append(CultureInfo.InvariantCulture, $"buffers {Bytes(status.BufferInUse)} of {Bytes(status.BufferLimit)}")
            .Append(status.TcpCongestionControl is { } congestion ? $", TCP congestion control {congestion}" : string.Empty)
            .AppendLine();
        if (status.Connections.Count == 0)
        {
            return text.AppendLine("  no connection open").ToString();
        }

        foreach (var connection in status.Connections)
        {
            text.AppendLine()
                .Append(CultureInfo.InvariantCulture, $"  {connection.Id.ToString("N")[..8]}  {connection.Peer} -> {connection.Target}  age {Age(connection.AgeSeconds)}  ")
                .Append(CultureInfo.InvariantCulture, $"out {Bytes(connection.BytesOut)} {Rate(connection.RateOut)}  in {Bytes(connection.BytesIn)} {Rate(connection.RateIn)}  ")
                .Append(CultureInfo.InvariantCulture, $"resent {Bytes(connection.ResentBytes)}")
                .AppendLine();
            var msp = connection.Substreams.Any(s => s.Msp is not null);
            var rows = new List<string[]> { msp ? [.. Header, .. MspHeader] : Header };
            rows.AddRange(connection.Substreams.Select(s => (string[])[
                s.Index.ToString(CultureInfo.InvariantCulture),
                s.Transport,
                s.State,
                s.RttMilliseconds is { } rtt ? rtt.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-",
                Rate(s.DeliveryRate),
                Bytes(s.InFlight),
                (s.Share * 100).ToString("0", CultureInfo.InvariantCulture) + " %",
                Rate(s.Rate),
                s.Redials.ToString(CultureInfo.InvariantCulture),
                .. msp ? MspColumns(s.Msp) : [],
            ]));
            AppendColumns(text, rows, "    ");
        }

        return text.ToString();
    }

    private static string[] MspColumns(MspSubstreamStatus? msp) => msp is null
        ? ["", "", "", "", "", ""]
        : [
            $"{msp.CongestionControl} {msp.Phase}",
            Rate(msp.EstimatedBandwidth),
            msp.MinRttMilliseconds is { } minRtt ? minRtt.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-",
            msp.CongestionWindow.ToString("0", CultureInfo.InvariantCulture),
            msp.PacingRate is { } pacing ? Rate(pacing) : "-",
            (msp.LossRate * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %",
        ];

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes:0} B" : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {units[unit]}");
    }

    /// <summary>Bits per second, as networks are quoted.</summary>
    public static string Rate(double bytesPerSecond) => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond * 8 / 1e6:0.0} Mbit/s");

    private static string Age(double seconds)
    {
        var age = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return age.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h{age.Minutes:00}m")
            : string.Create(CultureInfo.InvariantCulture, $"{age.Minutes}m{age.Seconds:00}s");
    }

    /// <summary>Left-aligned text columns, numbers right-aligned, two spaces apart.</summary>
    private static void AppendColumns(StringBuilder text, List<string[]> rows, string indent)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            text.Append(indent);
            for (var i = 0; i < row.Length; i++)
            {
                var leftAligned = TextColumns.Contains(i);
                text.Append(leftAligned ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i]));
                text.Append(i < row.Length - 1 ? "  " : string.Empty);
            }

            text.AppendLine();
        }
    }
}
