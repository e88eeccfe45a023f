using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>Ports for the program's processes, which must be told one before they start.</summary>
public static class Ports
{
    private const int FirstUnprivileged = 1024;

    // Where the kernel's ephemeral range starts when it cannot be read: the IANA dynamic range (macOS, Windows).
    private const int DefaultEphemeralStart = 49152;

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    // Read once: the range does not change during a run.
    private static readonly int EphemeralStart = ReadEphemeralStart();

    /// <summary>A loopback TCP port free right now (the kernel's choice; another process could still take it, rarely).</summary>
    public static int Free()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// A loopback UDP port for an MDP node's --bind that its neighbours must know before it starts. Not the kernel's
    /// choice: a port the kernel hands out for port 0 lies in its ephemeral range, where it hands ports out again to
    /// every socket that binds port 0 or sends unbound. A parallel test run does that hundreds of times a second, so
    /// in the second or two before a node's process binds the port, another socket could take it and the node would
    /// exit with "address in use", leaving the mesh a node short. Below the range only a bind to that very port can.
    /// </summary>
    public static int FreeUdp() => FreeBelowEphemeral(SocketType.Dgram, ProtocolType.Udp);

    /// <summary>As <see cref="FreeUdp"/>, for a TCP port that a process started later listens on.</summary>
    public static int FreeTcpBelowEphemeral() => FreeBelowEphemeral(SocketType.Stream, ProtocolType.Tcp);

    /// <summary>A port free now below the ephemeral range, never the same twice in a run (two nodes cannot share one).</summary>
    private static int FreeBelowEphemeral(SocketType type, ProtocolType protocol)
    {
        var end = EphemeralStart;
        if (end - FirstUnprivileged < 1024)
        {
            throw new InvalidOperationException($"the ephemeral port range starts at {end}: no room below it for ports chosen ahead");
        }

        lock (Gate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(FirstUnprivileged, end);
                if (!HandedOut.Contains(port) && CanBind(port, type, protocol))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port found from {FirstUnprivileged} to {end - 1}");
    }

    private static bool CanBind(int port, SocketType type, ProtocolType protocol)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, protocol);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port the kernel hands out for port 0 (Linux: net.ipv4.ip_local_port_range).</summary>
    private static int ReadEphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return DefaultEphemeralStart;
        }
    }
}
