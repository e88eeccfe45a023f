namespace Striper.Actors.Msp;

/// <summary>The names striper.msp.congestion-control accepts, and the algorithm behind each.</summary>
internal static class MspCongestionAlgorithms
{
    public const string Choices = "bbr, westwood or newreno";

    /// <summary>The name as config.hocon spells it.</summary>
    public static string Name(MspCongestionAlgorithm algorithm) => algorithm switch
    {
        MspCongestionAlgorithm.Bbr => "bbr",
        MspCongestionAlgorithm.Westwood => "westwood",
        MspCongestionAlgorithm.NewReno => "newreno",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>Any case, surrounding spaces ignored.</summary>
    public static bool TryParse(string? text, out MspCongestionAlgorithm algorithm)
    {
        var wanted = text?.Trim() ?? string.Empty;
        foreach (var candidate in Enum.GetValues<MspCongestionAlgorithm>())
        {
            if (string.Equals(Name(candidate), wanted, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        algorithm = default;
        return false;
    }

    /// <summary>A stream's congestion control. <paramref name="maxWindow"/> bounds the window (the send ring); <paramref name="seed"/> picks BBR's first gain phase.</summary>
    public static IMspCongestionControl Create(MspSettings settings, int maxWindow, TimeProvider clock, int seed) => settings.CongestionControl switch
    {
        MspCongestionAlgorithm.Bbr => new MspBbrCongestionControl(settings.InitialCongestionWindow, maxWindow, clock, seed),
        MspCongestionAlgorithm.Westwood => new MspNewRenoCongestionControl(settings.InitialCongestionWindow, settings.MinCongestionWindow, maxWindow, clock, westwood: true),
        MspCongestionAlgorithm.NewReno => new MspNewRenoCongestionControl(settings.InitialCongestionWindow, settings.MinCongestionWindow, maxWindow, clock, westwood: false),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.CongestionControl, null),
    };
}
