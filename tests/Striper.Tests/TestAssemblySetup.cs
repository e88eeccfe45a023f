using System.Runtime.CompilerServices;

namespace Striper.Tests;

/// <summary>
/// The TestKit's Expect calls block a thread while they wait, and xunit runs test classes in parallel, while the
/// proxies under test run their actors and sockets on the same thread pool. With the default minimum the pool
/// grows only slowly when starved, and a run could take minutes instead of seconds (seen: 3 minutes instead of
/// 35 s, with one test waiting 65 s for threads). A higher minimum lets the pool start threads at once.
/// </summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completionPorts, 64));
    }
}
