namespace Striper.Tests.Lab;

/// <summary>
/// A fact that needs the network lab (bench/netlab.sh): root, Linux network namespaces and the tools the lab
/// tests run inside them. Where any is missing the test is skipped with the reason, so the skip shows in the
/// test output instead of passing silently or failing for a reason that is not the code's.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LabFactAttribute : FactAttribute
{
    /// <summary>Tools every lab test runs, besides <c>ip</c>: tc shapes, ss finds listeners, socat moves the data.</summary>
    private static readonly string[] Tools = ["tc", "ss", "socat"];

    private static readonly Lazy<string?> Reason = new(FindSkipReason);

    /// <param name="tools">Tools this test runs besides those every lab test does (bench/install-deps.sh installs them).</param>
    public LabFactAttribute(params string[] tools)
    {
        if (Reason.Value is { } reason)
        {
            Skip = reason;
            return;
        }

        foreach (var tool in tools)
        {
            if (LabShell.FindTool(tool) is null)
            {
                Skip = $"this lab test needs `{tool}`; skipped: `{tool}` not found (bench/install-deps.sh installs it)";
                return;
            }
        }
    }

    private static string? FindSkipReason()
    {
        const string needs = "lab tests need root and `ip netns`; skipped: ";
        if (!OperatingSystem.IsLinux())
        {
            return needs + "not running on Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return needs + "not running as root";
        }

        if (LabShell.FindTool("ip") is null)
        {
            return needs + "`ip` not found";
        }

        foreach (var tool in Tools)
        {
            if (LabShell.FindTool(tool) is null)
            {
                return $"lab tests need `{tool}`; skipped: `{tool}` not found (bench/install-deps.sh installs it)";
            }
        }

        return null;
    }
}
