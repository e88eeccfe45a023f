namespace Striper.Host.Cli;

/// <summary>What a <c>striper msp</c> command does once its node runs.</summary>
internal enum MspMode
{
    /// <summary>Accept MSP streams on a port (and announce it under a service name).</summary>
    Listen,

    /// <summary>Open MSP streams to a (SID, port), or to the node that offers a service.</summary>
    Connect,

    /// <summary>Only route: hellos, announcements, forwarding.</summary>
    Node,

    /// <summary>Print what the mesh offers, then exit.</summary>
    Services,
}
