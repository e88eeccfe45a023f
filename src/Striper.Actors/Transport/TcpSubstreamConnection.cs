using System.Buffers;
using System.Net.Sockets;
using Akka.Actor;
using Striper.Actors.Legs;
using Striper.Actors.Security;
using Striper.Actors.Sessions;
using Striper.Actors.Wire;

namespace Striper.Actors.Transport;

/// <summary>A substream on a TCP connection: the socket is read and written directly, then given to a <see cref="TcpLeg"/>.</summary>
internal sealed class TcpSubstreamConnection(Socket socket) : SubstreamConnection
{
    public Socket Socket { get; } = socket;

    public override string Remote => SocketFactory.Describe(Socket);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await Socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    public override Props LegProps(SubstreamInbound inbound, int receiveSize, byte[]? preamble, FrameSealer? sealer, MemoryPool<byte> receivePool)
    {
        Socket.NoDelay = true;
        return TcpLeg.Props(Socket, inbound, null, receiveSize, preamble, sealer, receivePool);
    }

    public override Task RejectAsync(HandshakeStatus status, TimeSpan drainLimit) => SubstreamRejector.RejectAsync(Socket, status, drainLimit);

    public override void Abort()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }
}
