using System.Threading.Channels;
using Akka.Actor;
using Striper.Actors.Identity;
using Striper.Actors.Mdp;
using Striper.Actors.Msp;
using static Striper.Actors.Msp.MspProtocol;
using static Striper.Actors.Tunnel.TunnelProtocol;

namespace Striper.Actors.Tunnel;

/// <summary>
/// Carries one byte stream (a TCP connection, or standard input and output) over one MSP stream, both ways, as seed 000
/// describes: bytes read become messages of at most the MSP message size, sent within the stream's send limit;
/// messages received are written in order. Two tasks do the blocking I/O (a reader that holds at most two chunks
/// ahead, a writer fed by a channel that reports what it wrote so the stream's receive window reopens); the actor
/// only moves buffers. End of input half-closes the stream; the peer's FIN half-closes the output. A reset on either
/// side resets the other. The bridge stops when the stream is closed and reports <see cref="BridgeFinished"/>.
/// Either it is given an accepted stream, or it opens one itself: a flow to (SID, port) through the MDP node and an
/// <see cref="MspEndpoint"/> on it, as its child.
/// </summary>
internal sealed class MspBridge : ReceiveActor, IWithTimers
{
    /// <summary>Set by Akka before the constructor runs (<see cref="IWithTimers"/>).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private const int ReadSize = 60 * 1024;
    private const int ReportEvery = 32;
    private const int WriteSize = 64 * 1024;

    private readonly Func<CancellationToken, Task<IByteDuplex>> _openDuplex;
    private readonly IActorRef _reportTo;
    private readonly MspSettings _settings;
    private readonly (IActorRef Node, Sid Peer, int Port)? _connect;
    private readonly Queue<(ReadOnlyMemory<byte> Message, bool LastOfChunk)> _pending = new();
    private readonly Channel<ReadOnlyMemory<byte>> _output = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _readCredit = new(2);
    private readonly CancellationTokenSource _cancel = new();
    private IByteDuplex? _duplex;
    private IActorRef? _stream;
    private MdpFlow? _flow;
    private readonly MdpFlow? _acceptedFlow;
    private long _limit;
    private long _sent;
    private bool _inputEnded;
    private bool _shutdownSent;
    private bool _outputDone;
    private bool _closed;
    private bool _finished;
    private long _bytesFromPeer;
    private long _bytesToPeer;

    public MspBridge(MdpFlow? acceptedFlow, (IActorRef Node, Sid Peer, int Port)? connect, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings)
    {
        _acceptedFlow = acceptedFlow;
        _connect = connect;
        _openDuplex = openDuplex;
        _reportTo = reportTo;
        _settings = settings;
        Receive<MdpProtocol.FlowOpened>(OnFlowOpened);
        Receive<MdpProtocol.FlowFailed>(m => Finish(false, m.Reason));
        Receive<Connected>(m =>
        {
            _stream ??= m.Stream;
            Context.Watch(_stream);

            // This flow carries only this stream: its bursts can go to the stream without passing the endpoint.
            _flow?.Register(_stream);
        });
        Receive<Accepted>(m =>
        {
            // The first stream opened on our endpoint is ours; a tunnel carries one stream per flow.
            if (_stream is null && _connect is null)
            {
                Adopt(m.Stream);
                Feed();
            }
            else if (!ReferenceEquals(m.Stream, _stream))
            {
                m.Stream.Tell(Abort.Instance);
            }
        });
        Receive<LingerOver>(_ => Context.Stop(Self));
        Receive<DuplexReady>(OnDuplexReady);
        Receive<DuplexFailed>(m =>
        {
            _stream?.Tell(Abort.Instance);
            Finish(false, m.Reason);
        });
        Receive<StateChanged>(OnStateChanged);
        Receive<Received>(m =>
        {
            if (!ReferenceEquals(Sender, _stream))
            {
                return;
            }

            _bytesFromPeer += m.Payload.Length;
            _output.Writer.TryWrite(m.Payload);
        });
        Receive<SendRejected>(m =>
        {
            _stream?.Tell(Abort.Instance);
            Finish(false, "MSP refused a message: " + m.Reason);
        });
        Receive<InputChunk>(OnInputChunk);
        Receive<InputEnded>(OnInputEnded);
        Receive<OutputWritten>(m => _stream?.Tell(new Consumed(m.Messages)));
        Receive<OutputDone>(OnOutputDone);
        Receive<Terminated>(m =>
        {
            if (ReferenceEquals(m.ActorRef, _stream) && !_finished)
            {
                Finish(_closed && _outputDone, _closed ? null : "the MSP stream stopped");
            }
        });
    }

    /// <summary>A bridge that is the acceptor of a listener's endpoint on <paramref name="flow"/>: it carries the first stream the caller opens.</summary>
    public static Props Accepting(MdpFlow flow, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings) =>
        Props.Create(() => new MspBridge(flow, null, openDuplex, reportTo, settings));

    /// <summary>A bridge that opens a stream to (<paramref name="peer"/>, <paramref name="port"/>) through <paramref name="node"/>.</summary>
    public static Props Connecting(IActorRef node, Sid peer, int port, Func<CancellationToken, Task<IByteDuplex>> openDuplex, IActorRef reportTo, MspSettings settings)
    {
        // Built outside the expression: Akka's Props.Create reads a constructor call, which may not hold a tuple literal.
        (IActorRef Node, Sid Peer, int Port)? connect = (node, peer, port);
        return Props.Create(() => new MspBridge(null, connect, openDuplex, reportTo, settings));
    }

    protected override void PreStart()
    {
        if (_connect is { } connect)
        {
            connect.Node.Tell(new MdpProtocol.OpenFlow(connect.Peer, connect.Port, ActorRefs.Nobody), Self);
        }

        var self = Self;
        _openDuplex(_cancel.Token).ContinueWith(
            t => self.Tell(t.IsCompletedSuccessfully ? new DuplexReady(t.Result) : new DuplexFailed(t.Exception?.InnerException?.Message ?? "cancelled")),
            TaskScheduler.Default);
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        if (_finished && _closed && _outputDone)
        {
            _duplex?.Dispose();
        }
        else
        {
            _duplex?.Abort();
        }

        if (_flow is not null && _connect is { } connect)
        {
            connect.Node.Tell(new MdpProtocol.CloseFlow(_flow));
        }
        _output.Writer.TryComplete();
    }

    /// <summary>
    /// Takes the listener's stream. A tunnel caller opens one stream per flow, so from now on the flow's bursts go to
    /// the stream directly, skipping the endpoint (one thread hand-off less per burst); later streams on the flow are
    /// then not answered by the endpoint, which a tunnel caller never opens.
    /// </summary>
    /// <summary>A failed endpoint is stopped, never restarted: its stream cannot be replayed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void Adopt(IActorRef stream)
    {
        _stream = stream;
        Context.Watch(stream);
        _acceptedFlow?.Register(stream);
    }

    private void OnFlowOpened(MdpProtocol.FlowOpened message)
    {
        _flow = message.Flow;
        var endpoint = Context.ActorOf(MspEndpoint.Props(message.Flow, Self, _settings), "endpoint");
        message.Flow.Register(endpoint);
        endpoint.Tell(new Connect(Self), Self);
    }

    private void OnDuplexReady(DuplexReady message)
    {
        if (_finished)
        {
            message.Duplex.Abort();
            return;
        }

        _duplex = message.Duplex;
        var self = Self;
        var token = _cancel.Token;
        _ = Task.Run(() => ReadLoopAsync(message.Duplex, self, token), token);
        _ = Task.Run(() => WriteLoopAsync(message.Duplex, self, token), token);
    }

    private void OnStateChanged(StateChanged message)
    {
        if (_stream is null)
        {
            Adopt(Sender);
        }
        else if (!ReferenceEquals(Sender, _stream))
        {
            return;
        }

        _limit = Math.Max(_limit, message.SendLimit);
        if ((message.State & MspState.ShutdownRemote) != 0)
        {
            _output.Writer.TryComplete();
        }

        if ((message.State & MspState.Closed) != 0)
        {
            _closed = true;
            if ((message.State & MspState.Error) != 0)
            {
                Finish(false, message.Reason ?? "the MSP stream was reset");
            }
            else if (_outputDone)
            {
                Finish(true, null);
            }

            return;
        }

        Feed();
    }

    private void OnInputChunk(InputChunk chunk)
    {
        var max = _settings.MaxMessageSize;
        for (var offset = 0; offset < chunk.Count; offset += max)
        {
            var length = Math.Min(max, chunk.Count - offset);
            _pending.Enqueue((chunk.Buffer.AsMemory(offset, length), offset + length == chunk.Count));
        }

        _bytesToPeer += chunk.Count;
        Feed();
    }

    private void OnInputEnded(InputEnded message)
    {
        if (message.Error is not null)
        {
            _stream?.Tell(Abort.Instance);
            Finish(false, "reading the local side failed: " + message.Error);
            return;
        }

        _inputEnded = true;
        Feed();
    }

    private void OnOutputDone(OutputDone message)
    {
        if (message.Error is not null)
        {
            _stream?.Tell(Abort.Instance);
            Finish(false, "writing the local side failed: " + message.Error);
            return;
        }

        _outputDone = true;
        if (_closed)
        {
            Finish(true, null);
        }
    }

    private void Feed()
    {
        if (_stream is null || _closed)
        {
            return;
        }

        while (_pending.Count > 0 && _sent < _limit)
        {
            var (message, last) = _pending.Dequeue();
            _stream.Tell(new Send(message), Self);
            _sent++;
            if (last)
            {
                _readCredit.Release();
            }
        }

        if (_inputEnded && _pending.Count == 0 && !_shutdownSent)
        {
            _shutdownSent = true;
            _stream.Tell(Shutdown.Instance, Self);
        }
    }

    private void Finish(bool clean, string? reason)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _reportTo.Tell(new BridgeFinished(Self, clean, reason, _bytesFromPeer, _bytesToPeer), Self);
        if (clean)
        {
            // The stream lingers to acknowledge a retransmitted FIN; when we own its endpoint, keep it alive as long.
            Timers.StartSingleTimer("linger", LingerOver.Instance, _settings.Linger);
        }
        else
        {
            Context.Stop(Self);
        }
    }

    private async Task ReadLoopAsync(IByteDuplex duplex, IActorRef self, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await _readCredit.WaitAsync(token).ConfigureAwait(false);
                var buffer = new byte[ReadSize];
                var n = await duplex.ReadAsync(buffer, token).ConfigureAwait(false);
                if (n == 0)
                {
                    self.Tell(new InputEnded(null));
                    return;
                }

                self.Tell(new InputChunk(buffer, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            self.Tell(new InputEnded(ex.Message));
        }
    }

    private async Task WriteLoopAsync(IByteDuplex duplex, IActorRef self, CancellationToken token)
    {
        // Messages are small (one datagram each): gather what has arrived into one buffer and write it with one call,
        // rather than one system call per message.
        var reader = _output.Reader;
        var buffer = new byte[WriteSize];
        var unreported = 0;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                var used = 0;
                while (reader.TryPeek(out var message))
                {
                    if (used > 0 && used + message.Length > buffer.Length)
                    {
                        await duplex.WriteAsync(buffer.AsMemory(0, used), token).ConfigureAwait(false);
                        used = 0;
                    }

                    reader.TryRead(out _);
                    if (message.Length > buffer.Length)
                    {
                        await duplex.WriteAsync(message, token).ConfigureAwait(false);
                    }
                    else
                    {
                        message.Span.CopyTo(buffer.AsSpan(used));
                        used += message.Length;
                    }

                    if (++unreported >= ReportEvery)
                    {
                        self.Tell(new OutputWritten(unreported));
                        unreported = 0;
                    }
                }

                if (used > 0)
                {
                    await duplex.WriteAsync(buffer.AsMemory(0, used), token).ConfigureAwait(false);
                }

                await duplex.FlushAsync(token).ConfigureAwait(false);
                if (unreported > 0)
                {
                    self.Tell(new OutputWritten(unreported));
                    unreported = 0;
                }
            }

            duplex.ShutdownOutput();
            self.Tell(new OutputDone(null));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            self.Tell(new OutputDone(ex.Message));
        }
    }
}
