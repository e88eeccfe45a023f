using Striper.Actors.Mdp.Offload;

namespace Striper.Tests.Mdp;

/// <summary>A fact about UDP segmentation offload: skipped, with the reason, where the kernel or system has none.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OffloadFactAttribute : FactAttribute
{
    public OffloadFactAttribute()
    {
        if (!UdpOffload.Supported)
        {
            Skip = "UDP segmentation offload needs 64-bit Linux 4.18 or later; skipped: not available here";
        }
    }
}
