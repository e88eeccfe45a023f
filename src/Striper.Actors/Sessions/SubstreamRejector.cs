using System.Net.Sockets;
using Striper.Actors.Wire;

namespace Striper.Actors.Sessions;

/// <summary>
/// Answers a handshake with a refusal and closes the socket, off the mailbox and bounded in time. It half-closes
/// and then reads (and drops) what the peer still sends until the peer closes too, for at most
/// <c>drainLimit</c>: closing a socket with unread bytes makes the kernel send a reset, which can destroy the
/// verdict before the client has read it. The 8-byte verdict itself always fits a fresh socket's send buffer.
/// </summary>
internal static class SubstreamRejector
{
    /// <summary>A peer that keeps sending after its verdict gets no more than this much drained.</summary>
    private const int MaxDrain = 64 * 1024;

    /// <summary>Completes (never faults) once the socket is closed, so a caller can count it until then.</summary>
    public static async Task RejectAsync(Socket socket, HandshakeStatus status, TimeSpan drainLimit)
    {
        using var timeoutSource = new CancellationTokenSource(drainLimit > TimeSpan.Zero ? drainLimit : TimeSpan.Zero);
        try
        {
            await socket.SendAsync(HandshakeReply.Encode(status), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            var drain = new byte[1024];
            for (var drained = 0; drained < MaxDrain;)
            {
                var read = await socket.ReceiveAsync(drain, SocketFlags.None, timeoutSource.Token);
                if (read == 0)
                {
                    break;
                }

                drained += read;
            }
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
