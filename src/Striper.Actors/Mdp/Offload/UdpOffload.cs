using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>
/// UDP segmentation offload on Linux: many equal-sized datagrams to one address leave in one <c>sendmsg</c>
/// (<c>UDP_SEGMENT</c>). The wire does not change: every datagram is still its own UDP datagram of at most the MTU, so
/// per-flow throttles and the far end see what they saw before. What changes is the cost: the kernel walks its UDP
/// and IP path once per batch instead of once per datagram (on this machine's loopback 0.5 us a datagram instead of
/// about 4). The receiving half (<c>UDP_GRO</c>, coalesced datagrams in one <c>recvmsg</c>) was tried and measured:
/// no gain on loopback, and slower starts in the throttled lab, so receiving stays one datagram per call. Elsewhere (other systems, 32-bit processes, kernels before 5.0) <see cref="Supported"/> is false and the
/// callers use <see cref="Socket"/> as before.
/// </summary>
internal static unsafe class UdpOffload
{
    /// <summary>The most datagrams one segmented send may carry (the kernel's UDP_MAX_SEGMENTS).</summary>
    public const int MaxSegments = 64;

    /// <summary>The most bytes one segmented send may carry: the payload limit of one IPv4 UDP datagram.</summary>
    public const int MaxSendBytes = 65507;

    private const int ControlSize = 32;

    public static bool Supported { get; } = Probe();

    /// <summary>
    /// Sends <paramref name="datagrams"/>, a run of datagrams of <paramref name="segmentSize"/> bytes each (the last may
    /// be shorter), as that many UDP datagrams in one call. Returns the error the kernel gave, or Success.
    /// </summary>
    public static SocketError SendSegments(Socket socket, SocketAddress to, ReadOnlySpan<byte> datagrams, int segmentSize)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var control = stackalloc byte[ControlSize];
            new Span<byte>(control, ControlSize).Clear();

            // struct cmsghdr { size_t len; int level; int type; } followed by the 16-bit segment size.
            *(nuint*)control = (nuint)(sizeof(nuint) + 8 + sizeof(ushort));
            *(int*)(control + sizeof(nuint)) = LinuxUdpCalls.SolUdp;
            *(int*)(control + sizeof(nuint) + 4) = LinuxUdpCalls.UdpSegment;
            *(ushort*)(control + sizeof(nuint) + 8) = (ushort)segmentSize;
            var name = to.Buffer.Span;
            fixed (byte* data = datagrams)
            fixed (byte* address = name)
            {
                var vector = new IoVector { Base = data, Length = (nuint)datagrams.Length };
                var message = new MessageHeader
                {
                    Name = address,
                    NameLength = (uint)to.Size,
                    Vectors = &vector,
                    VectorCount = 1,
                    Control = control,
                    ControlLength = (nuint)(sizeof(nuint) + 8 + 8),
                };
                while (true)
                {
                    var sent = LinuxUdpCalls.SendMessage((int)handle.DangerousGetHandle(), &message, 0);
                    if (sent >= 0)
                    {
                        return SocketError.Success;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != LinuxUdpCalls.EIntr)
                    {
                        return ToSocketError(errno);
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static bool SetOption(Socket socket, int option, int value)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return LinuxUdpCalls.SetOption((int)handle.DangerousGetHandle(), LinuxUdpCalls.SolUdp, option, &value, sizeof(int)) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>True on 64-bit Linux whose kernel knows the socket option (4.18 and later).</summary>
    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return SetOption(socket, LinuxUdpCalls.UdpSegment, 1200);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or SocketException)
        {
            return false;
        }
    }

    private static SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,
        5 => SocketError.SocketError,
        22 => SocketError.InvalidArgument,
        90 => SocketError.MessageSize,
        101 => SocketError.NetworkUnreachable,
        105 => SocketError.NoBufferSpaceAvailable,
        111 => SocketError.ConnectionRefused,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
