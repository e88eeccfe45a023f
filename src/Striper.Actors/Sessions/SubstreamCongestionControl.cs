using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Striper.Actors.Settings;

namespace Striper.Actors.Sessions;

/// <summary>
/// Puts striper.tcp.congestion-control on substream sockets (setsockopt TCP_CONGESTION, Linux only). Whether the
/// kernel lets this process use the algorithm is found out once, on a socket of its own, when this is created: then
/// either one line says which congestion control substreams use and every substream socket gets it, or one warning
/// says what was asked, why it cannot be had and what substreams use instead (the kernel's default), and no socket is
/// touched. One per actor system (<see cref="Services.StriperServices"/>), so the demo's two proxies say it once.
/// </summary>
internal sealed partial class SubstreamCongestionControl
{
    // <netinet/tcp.h>: TCP_CONGESTION, which .NET has no name for; the value is the algorithm's name.
    private const int IpProtocolTcp = 6;
    private const int TcpCongestion = 13;
    private const string Sysctls = "/proc/sys/net/ipv4/";

    private readonly ILogger _logger;

    /// <summary>The name to set on every substream socket, or null to set nothing.</summary>
    private readonly byte[]? _name;
    private int _socketFailureLogged;

    public SubstreamCongestionControl(string requested, ILogger logger)
        : this(requested, logger, OperatingSystem.IsLinux())
    {
    }

    /// <param name="linux">False: as on any other system (tests run on Linux).</param>
    internal SubstreamCongestionControl(string requested, ILogger logger, bool linux)
    {
        Requested = requested;
        _logger = logger;
        SystemDefault = linux ? ReadSysctl("tcp_congestion_control") : null;
        if (requested == CongestionControlNames.System)
        {
            Effective = SystemDefault is null ? "system default" : $"{SystemDefault} (system default)";
            Log.SystemDefault(logger, SystemDefault ?? "whatever the system's is");
            return;
        }

        if (!linux)
        {
            Effective = $"system default ({requested} is for Linux only)";
            Log.NotLinux(logger, requested);
            return;
        }

        var name = Encoding.ASCII.GetBytes(requested);
        var failure = Probe(name);
        if (failure is null)
        {
            _name = name;
            Effective = requested;
            Log.Using(logger, requested);
            return;
        }

        Effective = SystemDefault is null
            ? $"system default ({requested} {failure.Value.Short})"
            : $"{SystemDefault} (system default; {requested} {failure.Value.Short})";
        Log.FellBack(logger, requested, failure.Value.Reason, SystemDefault is null ? "the system default" : $"the system default, {SystemDefault}");
    }

    /// <summary>What striper.tcp.congestion-control asked for ("system", "cubic", ...).</summary>
    public string Requested { get; }

    /// <summary>The kernel's default (net.ipv4.tcp_congestion_control), or null where it cannot be read.</summary>
    public string? SystemDefault { get; }

    /// <summary>
    /// What substreams use, for the status: "bbr", "cubic (system default)", "cubic (system default; bbr not
    /// available)"; "system default" where the kernel's cannot be read (not Linux).
    /// </summary>
    public string Effective { get; }

    /// <summary>
    /// Sets the congestion control on a substream socket, if one was asked for and the kernel has it: before it
    /// connects (it then applies from the handshake on) or after (from then on). A socket already closed is left alone.
    /// </summary>
    public void Apply(Socket socket)
    {
        if (_name is null)
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(IpProtocolTcp, TcpCongestion, _name);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException ex)
        {
            // The check when this was made passed, so this is about one socket, not the kernel: say it once.
            if (Interlocked.Exchange(ref _socketFailureLogged, 1) == 0)
            {
                Log.NotSet(_logger, Requested, ex.Message);
            }
        }
    }

    /// <summary>Null if the kernel lets this process set the name on a TCP socket, else why not.</summary>
    private static (string Reason, string Short)? Probe(byte[] name)
    {
        var requested = Encoding.ASCII.GetString(name);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetRawSocketOption(IpProtocolTcp, TcpCongestion, name);
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            // ENOENT, which .NET reports as EADDRNOTAVAIL: not built in, and not a module the kernel could load.
            var hint = Environment.IsPrivilegedProcess ? string.Empty : $"; if it is a module, root can load it with 'modprobe tcp_{requested}'";
            return ($"this kernel has no '{requested}' (net.ipv4.tcp_available_congestion_control lists {List("tcp_available_congestion_control")}){hint}", "not available");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            // EPERM: available, but a process without CAP_NET_ADMIN may only choose what the allowed list names.
            return ($"'{requested}' is not in net.ipv4.tcp_allowed_congestion_control ({List("tcp_allowed_congestion_control")}), "
                + "the ones a process without CAP_NET_ADMIN may choose", "not allowed");
        }
        catch (SocketException ex)
        {
            return ($"setting TCP_CONGESTION failed: {ex.Message}", "failed");
        }
    }

    private static string List(string sysctl) => ReadSysctl(sysctl) is { Length: > 0 } names ? names : "nothing readable";

    /// <summary>A sysctl's value, or null where it cannot be read (not Linux, no /proc).</summary>
    private static string? ReadSysctl(string name)
    {
        try
        {
            return File.ReadAllText(Sysctls + name).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 420, Level = LogLevel.Information, Message = "substreams use TCP congestion control {Name} (striper.tcp.congestion-control)")]
        public static partial void Using(ILogger logger, string name);

        [LoggerMessage(EventId = 421, Level = LogLevel.Debug, Message = "substreams use the system's TCP congestion control, {Name}")]
        public static partial void SystemDefault(ILogger logger, string name);

        [LoggerMessage(EventId = 422, Level = LogLevel.Warning, Message = "striper.tcp.congestion-control = {Requested} cannot be used: {Reason}; substreams use {Instead}")]
        public static partial void FellBack(ILogger logger, string requested, string reason, string instead);

        [LoggerMessage(EventId = 423, Level = LogLevel.Warning, Message = "striper.tcp.congestion-control = {Requested} is ignored: Striper chooses a TCP congestion control on Linux only; substreams use the system's")]
        public static partial void NotLinux(ILogger logger, string requested);

        [LoggerMessage(EventId = 424, Level = LogLevel.Warning, Message = "could not set TCP congestion control {Requested} on a substream socket ({Reason}); such a socket keeps the system default (said once)")]
        public static partial void NotSet(ILogger logger, string requested, string reason);
    }
}
