using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>The few libc calls that UDP segmentation offload needs and <see cref="System.Net.Sockets.Socket"/> does not offer.</summary>
internal static unsafe partial class LinuxUdpCalls
{
    public const int SolUdp = 17;
    public const int UdpSegment = 103;
    public const int UdpGro = 104;
    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const short PollIn = 0x001;

    public const int EIntr = 4;
    public const int EAgain = 11;

    private const string Libc = "libc.so.6";

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMessage(int descriptor, MessageHeader* message, int flags);

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint ReceiveMessage(int descriptor, MessageHeader* message, int flags);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetOption(int descriptor, int level, int name, int* value, uint length);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);
}
