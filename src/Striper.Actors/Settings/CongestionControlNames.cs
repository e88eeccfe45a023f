namespace Striper.Actors.Settings;

/// <summary>
/// What striper.tcp.congestion-control (and --congestion-control) may say, read the same way for the config file and
/// the command line: a name the Linux kernel knows (any case, surrounding spaces ignored), or "system" for its default.
/// </summary>
public static class CongestionControlNames
{
    /// <summary>Leave substream sockets with the kernel's default (net.ipv4.tcp_congestion_control): nothing is set.</summary>
    public const string System = "system";

    public const string Choices = "system, cubic, bbr or reno";

    private static readonly string[] Names = [System, "cubic", "bbr", "reno"];

    /// <summary>The name in lower case, as the kernel spells it.</summary>
    public static bool TryParse(string? text, out string name)
    {
        var wanted = text?.Trim() ?? string.Empty;
        name = Names.FirstOrDefault(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase)) ?? string.Empty;
        return name.Length > 0;
    }
}
