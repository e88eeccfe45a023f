namespace Striper.Actors.Settings;

/// <summary>
/// What substreams travel on (config.hocon's <c>transport</c>, <c>--transport</c>): TCP connections, MSP streams on
/// UDP (each on its own UDP flow), or both. A client with both alternates: even indices TCP, odd ones MSP, so a path
/// that throttles one protocol harder than the other still gets half its substreams through the other one.
/// </summary>
[Flags]
public enum SubstreamTransports
{
    Tcp = 1,
    Msp = 2,
    Both = Tcp | Msp,
}
