using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>The libc calls that UDP segmentation offload needs and <see cref="System.Net.Sockets.Socket"/> does not offer.</summary>
internal static unsafe partial class LinuxUdpCalls
{
    public const int SolUdp = 17;
    public const int UdpSegment = 103;

    public const int EIntr = 4;

    private const string Libc = "libc.so.6";

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMessage(int descriptor, MessageHeader* message, int flags);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetOption(int descriptor, int level, int name, int* value, uint length);
}
