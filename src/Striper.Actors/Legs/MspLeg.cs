using System.Buffers;
using System.IO.Pipelines;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Msp;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Wire;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Actors.Legs;

/// <summary>
/// A substream leg on an MSP stream instead of a TCP socket: it speaks the same <see cref="TcpLegProtocol"/> to the
/// session, Striper and Reassembler, so striping does not care which transport a substream uses. Frames are written
/// as one byte stream cut into MSP messages (a DATA payload is sliced, not copied: the Striper keeps its chunks alive
/// until the far side acknowledges them, long after MSP is done with them); received messages are parsed by the same
/// <see cref="IFrameInbound"/> as a TCP substream's bytes. With a sealer, frames are sealed with AES-GCM exactly as a
/// TCP leg seals them (the frame opener sits in the inbound parser).
///
/// A stream that carried the substream handshake first (see <see cref="Transport.MspSubstreamPort"/>) is handed over:
/// until <see cref="HandedOver"/> arrives, the leg keeps what the stream sends it, because the handshake's owner may
/// still hold bytes (and messages sent) that come before them.
/// </summary>
internal sealed partial class MspLeg : ReceiveActor, IFrameWriter
{
    private readonly IActorRef _stream;
    private readonly IFrameInbound _inbound;
    private readonly int _messageSize;
    private readonly Queue<ReadOnlyMemory<byte>> _pending = new();
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly FrameSealer? _sealer;
    private List<object>? _beforeHandover;
    private long _sent;
    private long _sendLimit;
    private bool _shutdownRequested;
    private bool _outputEnded;
    private bool _inputEnded;
    private bool _streamClosed;
    private bool _waitingForInbound;
    private int _unconsumed;

    public MspLeg(IActorRef stream, IFrameInbound inbound, int messageSize, byte[]? preamble = null, FrameSealer? sealer = null, bool handedOver = false)
    {
        _stream = stream;
        _inbound = inbound;
        _messageSize = messageSize;
        _sealer = sealer;
        _beforeHandover = handedOver ? [] : null;
        if (preamble is not null)
        {
            Enqueue(preamble);
        }

        Receive<WriteData>(OnWriteData);
        Receive<WriteAck>(this.Write);
        Receive<WriteFin>(this.Write);
        Receive<WriteRst>(this.Write);
        Receive<TcpLegProtocol.Shutdown>(_ =>
        {
            _shutdownRequested = true;
            Flush();
        });
        Receive<TcpLegProtocol.Abort>(m => AbortStream(m.Reason));
        Receive<MspProtocol.StateChanged>(m =>
        {
            if (_beforeHandover is { } kept)
            {
                kept.Add(m);
            }
            else
            {
                OnStateChanged(m);
            }
        });
        Receive<MspProtocol.Received>(m =>
        {
            if (_beforeHandover is { } kept)
            {
                kept.Add(m);
            }
            else
            {
                OnReceived(m);
            }
        });
        Receive<HandedOver>(OnHandedOver);
        Receive<InboundReady>(_ =>
        {
            _waitingForInbound = false;
            ProcessInput();
        });
        Receive<MspProtocol.SendRejected>(m => AbortStream("MSP refused a message: " + m.Reason));
    }

    public static Props Props(IActorRef stream, IFrameInbound inbound, int messageSize, byte[]? preamble = null, FrameSealer? sealer = null, bool handedOver = false) =>
        Akka.Actor.Props.Create(() => new MspLeg(stream, inbound, messageSize, preamble, sealer, handedOver));

    protected override void PreStart()
    {
        // PreStart runs before any message in this mailbox, so the announcement precedes every frame the leg passes on.
        _inbound.Started(Self);
        if (_beforeHandover is null)
        {
            _stream.Tell(new MspProtocol.SetOwner(Self), Self);
        }
    }

    protected override void PostStop()
    {
        // A leg stopped from outside (its session ended) must not leave a half-open stream behind.
        if (!_streamClosed && !(_inputEnded && _outputEnded))
        {
            _stream.Tell(MspProtocol.Abort.Instance, Self);
        }

        _input.Writer.Complete();
        _input.Reader.Complete();
        _sealer?.Dispose();
    }

    /// <summary>
    /// The handshake's owner has given the stream to this leg: first what it had received and not used, then its last
    /// state, then what the stream sent here meanwhile, in order. Messages it sent count against the send limit.
    /// </summary>
    private void OnHandedOver(HandedOver message)
    {
        if (_beforeHandover is not { } kept)
        {
            return;
        }

        _beforeHandover = null;
        _sent = message.MessagesSent;
        foreach (var bytes in message.Leftover)
        {
            _input.Writer.Write(bytes.Span);
        }

        _unconsumed += message.Unconsumed;
        if (message.Leftover.Count > 0)
        {
            CompletedFlush(_input.Writer.FlushAsync());
            ProcessInput();
        }
        else if (_unconsumed > 0)
        {
            _stream.Tell(new MspProtocol.Consumed(_unconsumed), Self);
            _unconsumed = 0;
        }
        if (message.LastState is { } state)
        {
            OnStateChanged(state);
        }

        foreach (var item in kept)
        {
            if (item is MspProtocol.Received received)
            {
                OnReceived(received);
            }
            else if (item is MspProtocol.StateChanged changed)
            {
                OnStateChanged(changed);
            }
        }

        Flush();
    }

    private void OnWriteData(WriteData message)
    {
        if (_sealer is not null)
        {
            if (WriteSealed(message.Header(), message.Lease.Span))
            {
                Flush();
            }

            return;
        }

        if (WriteHeader(message.Header(), []))
        {
            Enqueue(message.Lease.Memory);
            Flush();
        }
    }

    /// <summary>Header, sealed payload and tag in one new buffer (MSP keeps it until acknowledged, so not a pooled one).</summary>
    private bool WriteSealed(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_outputEnded || _shutdownRequested)
        {
            return false;
        }

        var frame = new byte[FrameSealer.FrameSize(payload.Length)];
        _sealer!.SealFrame(header, payload, frame);
        Enqueue(frame);
        return true;
    }

    /// <summary>Queues a frame header with its small inline payload (ACK, RST); false once the output has ended.</summary>
    public bool WriteHeader(FrameHeader header, ReadOnlySpan<byte> inlinePayload)
    {
        if (_outputEnded || _shutdownRequested)
        {
            return false;
        }

        if (_sealer is not null)
        {
            var sealedOk = WriteSealed(header, inlinePayload);
            Flush();
            return sealedOk;
        }

        // MSP keeps a message until it is acknowledged, so the header cannot live in a pooled buffer.
        var bytes = new byte[ProtocolConstants.FrameHeaderSize + inlinePayload.Length];
        header.Write(bytes);
        inlinePayload.CopyTo(bytes.AsSpan(ProtocolConstants.FrameHeaderSize));
        Enqueue(bytes);
        Flush();
        return true;
    }

    private void Enqueue(ReadOnlyMemory<byte> bytes)
    {
        for (var start = 0; start < bytes.Length; start += _messageSize)
        {
            _pending.Enqueue(bytes.Slice(start, Math.Min(_messageSize, bytes.Length - start)));
        }
    }

    /// <summary>Hands queued messages to the stream as far as its send limit allows; then the FIN if one is due.</summary>
    private void Flush()
    {
        if (_beforeHandover is not null)
        {
            return;
        }

        while (_sent < _sendLimit && _pending.TryDequeue(out var message))
        {
            _stream.Tell(new MspProtocol.Send(message), Self);
            _sent++;
        }

        if (_shutdownRequested && _pending.Count == 0 && !_outputEnded)
        {
            _stream.Tell(MspProtocol.Shutdown.Instance, Self);
            EndOutput(null);
        }
    }

    private void OnStateChanged(MspProtocol.StateChanged message)
    {
        _sendLimit = Math.Max(_sendLimit, message.SendLimit);
        var state = message.State;
        if ((state & MspState.Error) != 0)
        {
            var error = new IOException("MSP stream failed: " + (message.Reason ?? "reset"));
            _streamClosed = (state & MspState.Closed) != 0;
            EndInput(error);
            EndOutput(error);
            return;
        }

        if ((state & MspState.ShutdownRemote) != 0)
        {
            EndInput(null);
        }

        if ((state & MspState.Closed) != 0)
        {
            _streamClosed = true;
            EndInput(null);
            EndOutput(null);
            return;
        }

        Flush();
    }

    private void OnReceived(MspProtocol.Received message)
    {
        if (_inputEnded)
        {
            _stream.Tell(new MspProtocol.Consumed(1), Self);
            return;
        }

        _input.Writer.Write(message.Payload.Span);
        CompletedFlush(_input.Writer.FlushAsync());
        _unconsumed++;
        ProcessInput();
    }

    /// <summary>The pipe never pauses its writer (threshold 0), so a flush has always completed.</summary>
    private static void CompletedFlush(ValueTask<FlushResult> flush)
    {
        if (!flush.IsCompleted)
        {
            throw new InvalidOperationException("an unpaused pipe left a flush pending");
        }

        flush.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Parses what has arrived. While the frame parser is paused (its receivers are behind), the MSP messages stay
    /// unconsumed, so the stream's receive window closes and the peer is held back, as TCP would hold it back.
    /// </summary>
    private void ProcessInput()
    {
        if (_waitingForInbound || _inputEnded)
        {
            return;
        }

        _input.Reader.TryRead(out var result);
        var buffer = result.Buffer;
        var violation = _inbound.Process(ref buffer);
        _input.Reader.AdvanceTo(buffer.Start, buffer.End);
        if (violation is not null)
        {
            Context.Parent.Tell(new Violation(Self, violation));
            AbortStream("protocol violation: " + violation);
            return;
        }

        if (_inbound.IsBlocked)
        {
            _waitingForInbound = true;
            _inbound.WaitUntilReadyAsync(CancellationToken.None).AsTask()
                .ContinueWith(static _ => InboundReady.Instance, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .PipeTo(Self, success: static ready => ready, failure: static error => new Status.Failure(error));
            return;
        }

        if (_unconsumed > 0)
        {
            _stream.Tell(new MspProtocol.Consumed(_unconsumed), Self);
            _unconsumed = 0;
        }
    }

    private void AbortStream(string reason)
    {
        Log.Aborting(Context.Logger(), Self.Path.ToString(), reason);
        _stream.Tell(MspProtocol.Abort.Instance, Self);
        _streamClosed = true;
        var error = new IOException(reason);
        EndInput(error);
        EndOutput(error);
    }

    private void EndInput(Exception? error)
    {
        if (_inputEnded)
        {
            return;
        }

        _inputEnded = true;
        long leftover = 0;
        if (_input.Reader.TryRead(out var result))
        {
            leftover = result.Buffer.Length;
            _input.Reader.AdvanceTo(result.Buffer.End);
        }

        _inbound.Completed(error, leftover);
        StopWhenDone();
    }

    private void EndOutput(Exception? error)
    {
        if (_outputEnded)
        {
            return;
        }

        _outputEnded = true;
        _pending.Clear();
        Context.Parent.Tell(new OutputEnded(Self, error));
        StopWhenDone();
    }

    private void StopWhenDone()
    {
        if (_inputEnded && _outputEnded)
        {
            Context.Stop(Self);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "{Leg}: resetting MSP stream: {Reason}")]
        public static partial void Aborting(ILogger logger, string leg, string reason);
    }

    /// <summary>
    /// The handshake's owner → leg: the stream is this leg's now. <paramref name="Leftover"/> are received bytes the
    /// handshake did not use (<paramref name="Unconsumed"/> messages not yet reported consumed to the stream);
    /// <paramref name="MessagesSent"/> messages were sent on the stream already.
    /// </summary>
    public sealed record HandedOver(IReadOnlyList<ReadOnlyMemory<byte>> Leftover, int Unconsumed, long MessagesSent, MspProtocol.StateChanged? LastState);

    /// <summary>The frame parser may take bytes again.</summary>
    private sealed class InboundReady
    {
        public static readonly InboundReady Instance = new();
    }
}
