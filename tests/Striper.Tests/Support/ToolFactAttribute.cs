using Striper.Tests.Lab;

namespace Striper.Tests.Support;

/// <summary>
/// A fact that drives a program from Debian (chromium, python3 with a module): skipped, naming what is missing, where
/// bench/install-deps.sh has not installed it, so a machine without it shows a skip rather than a false failure.
/// A name with a slash is a path that must exist (a Python module's folder); anything else a command on PATH.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.FirstOrDefault(t => t.Contains('/', StringComparison.Ordinal) ? !Path.Exists(t) : LabShell.FindTool(t) is null);
        if (missing is not null)
        {
            Skip = $"needs {missing}, which bench/install-deps.sh installs; not found";
        }
    }
}
