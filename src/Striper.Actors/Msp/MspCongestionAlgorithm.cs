namespace Striper.Actors.Msp;

/// <summary>striper.msp.congestion-control: which <see cref="IMspCongestionControl"/> a stream uses.</summary>
internal enum MspCongestionAlgorithm
{
    /// <summary>Model-based, after BBR: paced at the measured bottleneck bandwidth, in-flight capped at 2 BDP, loss counts only with a queue (<see cref="MspBbrCongestionControl"/>).</summary>
    Bbr,

    /// <summary>NewReno's window with Westwood+'s decrease to the measured bandwidth-delay product.</summary>
    Westwood,

    /// <summary>NewReno: the window halves on loss.</summary>
    NewReno,
}
