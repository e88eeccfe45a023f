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

    /// <summary>Closed cleanly at the end of the connection.</summary>
    Closed,
}
