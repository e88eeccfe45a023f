using System.Net.Sockets;
using Striper.Actors.Settings;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>Client side: connects one substream, sends its handshake and waits for the server's answer.</summary>
internal static class SubstreamDialer
{
    public static async Task<Socket> DialAsync(string host, int port, Handshake handshake, StriperSettings settings, CancellationToken cancellationToken)
    {
        var socket = await SocketFactory.ConnectAsync(host, port, settings.ConnectTimeout, cancellationToken);
        try
        {
            await socket.SendAsync(handshake.ToArray(), SocketFlags.None, cancellationToken);
            var reply = new byte[HandshakeReply.Size];

            // OPEN waits for the server to reach its target, so it gets the connect timeout on top.
            var wait = handshake.Kind == HandshakeKind.Open ? settings.HandshakeTimeout + settings.ConnectTimeout : settings.HandshakeTimeout;
            await SocketFactory.ReadExactlyAsync(socket, reply, wait, "handshake reply");
            if (!HandshakeReply.TryRead(reply, out var status, out var error))
            {
                throw new InvalidDataException(error);
            }

            if (status != HandshakeStatus.Accepted)
            {
                throw new SubstreamRefusedException(status);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
