using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Services;

namespace Striper.Actors.Proxy;

/// <summary>
/// Owns a bound listening socket and runs its accept loop beside the mailbox; every accepted connection goes
/// to the parent as <see cref="ProxyProtocol.Accepted"/>. Running out of file descriptors pauses accepting
/// briefly instead of spinning or dying.
/// </summary>
internal sealed partial class Listener : ReceiveActor
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();

    public Listener(Socket socket)
    {
        _socket = socket;
    }

    public static Props Props(Socket socket) => Akka.Actor.Props.Create(() => new Listener(socket));

    protected override void PreStart()
    {
        var parent = Context.Parent;
        var log = Context.Logger();
        _ = Task.Run(() => AcceptLoopAsync(parent, log));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _socket.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(IActorRef parent, ILogger log)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var socket = await _socket.AcceptAsync(token);
                parent.Tell(new ProxyProtocol.Accepted(socket));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: back off so the loop neither spins nor gives up.
                Log.AcceptFailed(log, ex.Message);
                try
                {
                    await Task.Delay(100, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "accept failed: {Reason}; retrying shortly")]
        public static partial void AcceptFailed(ILogger logger, string reason);
    }
}
