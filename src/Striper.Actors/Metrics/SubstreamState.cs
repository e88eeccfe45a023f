namespace Striper.Actors.Metrics;

/// <summary>Where one substream index of a connection stands, as the status view shows it.</summary>
public enum SubstreamState
{
    /// <summary>Being dialled (client) or not yet joined (server).</summary>
    Connecting,

    /// <summary>Carrying data.</summary>
    Up,

    /// <summary>Reset, cut or stalled: its data went out on the others; the client dials a replacement.</summary>
    Lost,

    /// <summary>Closed cleanly: at the end of the connection, or because an auto-sized connection needs it no more.</summary>
    Closed,

    /// <summary>Not dialled (yet): an auto-sized connection uses as many of its indices as it measures a need for.</summary>
    Unused,
}
