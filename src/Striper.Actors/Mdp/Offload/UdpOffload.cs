using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>
/// UDP segmentation offload on Linux: many equal-sized datagrams to one address leave in one <c>sendmsg</c>
/// (<c>UDP_SEGMENT</c>), and datagrams the kernel has coalesced arrive in one <c>recvmsg</c> (<c>UDP_GRO</c>) with
/// their segment size. The wire does not change: every datagram is still its own UDP datagram of at most the MTU, so
/// per-flow throttles and the far end see what they saw before. What changes is the cost: the kernel walks its UDP
/// and IP path once per batch instead of once per datagram (on this machine's loopback 0.5 us a datagram instead of
/// about 4). Elsewhere (other systems, 32-bit processes, kernels before 5.0) <see cref="Supported"/> is false and the
/// callers use <see cref="Socket"/> as before.
/// </summary>
internal static unsafe class UdpOffload
{
    /// <summary>The most datagrams one segmented send may carry (the kernel's UDP_MAX_SEGMENTS) and that one coalesced receive may hold.</summary>
    public const int MaxSegments = 64;

    /// <summary>The most bytes one segmented send may carry: the payload limit of one IPv4 UDP datagram.</summary>
    public const int MaxSendBytes = 65507;

    /// <summary>Room one coalesced receive needs: the kernel never coalesces beyond 64 KiB.</summary>
    public const int MaxReceiveBytes = 65536;

    private const int ControlSize = 32;
    private const int NameSize = 128;

    public static bool Supported { get; } = Probe();

    /// <summary>Asks the kernel to hand coalesced datagrams up in one piece. False where that is not possible.</summary>
    public static bool EnableReceiveCoalescing(Socket socket) => Supported && SetOption(socket, LinuxUdpCalls.UdpGro, 1);

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

    /// <summary>
    /// Receives one datagram or one coalesced run of datagrams from <paramref name="descriptor"/> into
    /// <paramref name="buffer"/> (which must hold <see cref="MaxReceiveBytes"/> when coalescing is on), filling
    /// <paramref name="from"/>. With <paramref name="wait"/> it first waits up to <paramref name="waitMilliseconds"/>
    /// for something to arrive. Returns the byte count, or -1 when nothing was there; <paramref name="segmentSize"/> is
    /// the size of each datagram in the run (the last may be shorter), or the byte count for a single datagram.
    /// Throws <see cref="SocketException"/> for an error the socket reports (such as an ICMP port unreachable).
    /// </summary>
    public static int Receive(int descriptor, Span<byte> buffer, SocketAddress from, bool wait, int waitMilliseconds, out int segmentSize, out bool truncated)
    {
        segmentSize = 0;
        truncated = false;
        if (wait)
        {
            var poll = new PollDescriptor { Descriptor = descriptor, Events = LinuxUdpCalls.PollIn };
            var ready = LinuxUdpCalls.Poll(&poll, 1, waitMilliseconds);
            if (ready <= 0)
            {
                return -1;
            }
        }

        var control = stackalloc byte[ControlSize];
        var name = stackalloc byte[NameSize];
        fixed (byte* data = buffer)
        {
            var vector = new IoVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader
            {
                Name = name,
                NameLength = NameSize,
                Vectors = &vector,
                VectorCount = 1,
                Control = control,
                ControlLength = ControlSize,
            };
            nint received;
            while ((received = LinuxUdpCalls.ReceiveMessage(descriptor, &message, LinuxUdpCalls.MsgDontWait)) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxUdpCalls.EAgain)
                {
                    return -1;
                }

                if (errno != LinuxUdpCalls.EIntr)
                {
                    throw new SocketException((int)ToSocketError(errno));
                }
            }

            var length = (int)received;
            segmentSize = length;
            truncated = (message.Flags & LinuxUdpCalls.MsgTrunc) != 0;
            if (message.ControlLength >= (nuint)(sizeof(nuint) + 8 + sizeof(int))
                && *(int*)(control + sizeof(nuint)) == LinuxUdpCalls.SolUdp
                && *(int*)(control + sizeof(nuint) + 4) == LinuxUdpCalls.UdpGro)
            {
                var size = *(int*)(control + sizeof(nuint) + 8);
                if (size > 0)
                {
                    segmentSize = size;
                }
            }

            var nameLength = (int)Math.Min(message.NameLength, (uint)from.Buffer.Length);
            new ReadOnlySpan<byte>(name, nameLength).CopyTo(from.Buffer.Span);
            from.Size = nameLength;
            return length;
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

    /// <summary>True on 64-bit Linux whose kernel knows both socket options (5.0 and later).</summary>
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
            return SetOption(socket, LinuxUdpCalls.UdpGro, 1) && SetOption(socket, LinuxUdpCalls.UdpSegment, 1200);
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
