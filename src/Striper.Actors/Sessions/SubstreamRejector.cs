using System.Net.Sockets;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>Answers a handshake with a refusal and closes the socket, off the mailbox and bounded in time.</summary>
internal static class SubstreamRejector
{
    public static void Reject(Socket socket, HandshakeStatus status, TimeSpan timeout) =>
        _ = RejectAsync(socket, status, timeout);

    private static async Task RejectAsync(Socket socket, HandshakeStatus status, TimeSpan timeout)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(HandshakeReply.Encode(status), SocketFlags.None, timeoutSource.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone or stuck; closing is all that is left to do.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
