using Striper.Tests.Lab;

namespace Striper.Tests.Sessions;

/// <summary>
/// A fact that sets a TCP congestion control on real sockets: skipped, with the reason, off Linux, or where the kernel
/// lacks the algorithm (net.ipv4.tcp_available_congestion_control; reno and cubic are built into every Linux, bbr is
/// often a module), where this unprivileged process may not choose it (net.ipv4.tcp_allowed_congestion_control), or
/// where a tool the fact runs is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class CongestionControlFactAttribute : FactAttribute
{
    /// <param name="algorithm">The algorithm the fact needs; null for one that needs Linux only.</param>
    public CongestionControlFactAttribute(string? algorithm = null, string? tool = null)
    {
        Skip = WhyNot(algorithm) ?? (tool is not null && LabShell.FindTool(tool) is null ? $"needs {tool}, which is not on PATH" : null);
    }

    private static string? WhyNot(string? algorithm)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "TCP congestion control is chosen on Linux only";
        }

        if (algorithm is null)
        {
            return null;
        }

        if (!Sysctl("tcp_available_congestion_control").Contains(algorithm))
        {
            return $"this kernel has no {algorithm} (net.ipv4.tcp_available_congestion_control)";
        }

        return !Environment.IsPrivilegedProcess && !Sysctl("tcp_allowed_congestion_control").Contains(algorithm)
            ? $"{algorithm} is not in net.ipv4.tcp_allowed_congestion_control, and this process is not privileged"
            : null;
    }

    private static string[] Sysctl(string name)
    {
        try
        {
            return File.ReadAllText("/proc/sys/net/ipv4/" + name).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
