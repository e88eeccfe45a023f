using System.Net;
using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>Ports for the program's processes, which must be told one before they start.</summary>
public static class Ports
{
    /// <summary>A loopback TCP port free right now (the kernel's choice; another process could still take it, rarely).</summary>
    public static int Free()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A loopback UDP port free right now (for an MDP node's --bind that its neighbours must know beforehand).</summary>
    public static int FreeUdp()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
