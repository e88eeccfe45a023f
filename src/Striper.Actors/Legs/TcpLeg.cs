using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Striper.Actors.Runtime;
using Striper.Actors.Wire;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Actors.Legs;

/// <summary>
/// One actor per TCP socket, edge or substream. Two loops run beside the mailbox, as in Kestrel's socket
/// transport: a receive loop (socket → pipe → <see cref="ILegInbound"/> → messages to other actors) and a
/// send loop (pipe → one gather send per batch → socket). The actor itself only copies queued writes into
/// the output pipe, so a busy socket never blocks a mailbox. Back-pressure on the way in is the inbound
/// strategy's business (credit); on the way out it is the protocol's (senders respect credit and in-flight caps).
/// The leg stops itself once both loops have ended; a leg is never restarted.
/// </summary>
internal sealed partial class TcpLeg : ReceiveActor
{
    private readonly Socket _socket;
    private readonly ILegInbound _inbound;
    private readonly IActorRef? _writtenListener;
    private readonly int _receiveSize;
    private readonly byte[]? _preamble;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Pipe _output;
    private bool _outputClosed;
    private bool _inputEnded;
    private bool _outputEnded;

    public TcpLeg(Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble)
    {
        _socket = socket;
        _inbound = inbound;
        _writtenListener = writtenListener;
        _receiveSize = receiveSize;
        _preamble = preamble;

        // No pause threshold: the actor must never block on a flush. What can be queued is bounded by the
        // protocol instead (credit window and per-substream in-flight caps).
        _output = new Pipe(new PipeOptions(
            pauseWriterThreshold: 0,
            minimumSegmentSize: 64 * 1024,
            useSynchronizationContext: false));

        Receive<WriteRaw>(OnWriteRaw);
        Receive<WriteData>(OnWriteData);
        Receive<WriteAck>(OnWriteAck);
        Receive<WriteFin>(m => WriteFrame(new FrameHeader(FrameType.Fin, FrameFlags.None, 0, m.FinalOffset, 0), default));
        Receive<WriteRst>(OnWriteRst);
        Receive<GrantRead>(m => ((IReadCredit)_inbound).Grant(m.Bytes));
        Receive<Shutdown>(_ => CloseOutput());
        Receive<Abort>(m => AbortSocket(m.Reason));
        Receive<InputViolation>(OnInputViolation);
        Receive<InputLoopEnded>(_ =>
        {
            _inputEnded = true;
            StopWhenDone();
        });
        Receive<OutputLoopEnded>(OnOutputLoopEnded);
    }

    public static Props Props(Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble = null) =>
        Runtime.Props.Create(() => new TcpLeg(socket, inbound, writtenListener, receiveSize, preamble));

    protected override void PreStart()
    {
        if (_preamble is not null)
        {
            _output.Writer.Write(_preamble);
            Flush();
        }

        var self = Self;
        _ = Task.Run(() => ReceiveLoopAsync(self));
        _ = Task.Run(() => SendLoopAsync(self));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _output.Writer.Complete();
        _socket.Dispose();
        _stopping.Dispose();
    }

    private void OnWriteRaw(WriteRaw message)
    {
        using var lease = message.Lease;
        if (!_outputClosed)
        {
            _output.Writer.Write(lease.Span);
            Flush();
        }
    }

    private void OnWriteData(WriteData message) =>
        WriteFrame(new FrameHeader(FrameType.Data, FrameFlags.None, message.Lease.Length, message.Offset, message.Stamp), message.Lease.Span);

    private void OnWriteAck(WriteAck message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.AckPayloadSize];
        message.Ack.Write(payload);
        WriteFrame(new FrameHeader(FrameType.Ack, message.Flags, payload.Length, message.Received, message.StampEcho), payload);
    }

    private void OnWriteRst(WriteRst message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.RstPayloadSize];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, (int)message.Reason);
        WriteFrame(new FrameHeader(FrameType.Rst, FrameFlags.None, payload.Length, 0, 0), payload);
    }

    private void WriteFrame(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_outputClosed)
        {
            return;
        }

        var writer = _output.Writer;
        var span = writer.GetSpan(ProtocolConstants.FrameHeaderSize);
        header.Write(span);
        writer.Advance(ProtocolConstants.FrameHeaderSize);
        if (!payload.IsEmpty)
        {
            writer.Write(payload);
        }

        Flush();
    }

    private void Flush()
    {
        // Never pauses (no threshold), so this completes synchronously and wakes the send loop.
        var flush = _output.Writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            flush.AsTask().GetAwaiter().GetResult();
        }
    }

    private void CloseOutput()
    {
        if (!_outputClosed)
        {
            _outputClosed = true;
            _output.Writer.Complete();
        }
    }

    private void AbortSocket(string reason)
    {
        Log.Aborting(Context.Log, Self.Path, reason);
        try
        {
            // Linger 0 turns close into a RST, which is how an abort reaches the peer promptly.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        // Close before completing the output pipe: a completed pipe lets the send loop FIN the socket,
        // and a FIN that overtakes the RST would tell the peer "clean end" instead of "reset".
        _socket.Close();
        _stopping.Cancel();
        CloseOutput();
    }

    private void OnInputViolation(InputViolation message)
    {
        Log.Violation(Context.Log, Self.Path, message.Reason);
        Context.Parent.Tell(new Violation(Self, message.Reason));
        AbortSocket("protocol violation: " + message.Reason);
    }

    private void OnOutputLoopEnded(OutputLoopEnded message)
    {
        _outputEnded = true;
        _outputClosed = true;
        Context.Parent.Tell(new OutputEnded(Self, message.Error));
        StopWhenDone();
    }

    private void StopWhenDone()
    {
        if (_inputEnded && _outputEnded)
        {
            Context.Stop(Self);
        }
    }

    private async Task ReceiveLoopAsync(IActorRef self)
    {
        Exception? error = null;
        long leftover = 0;
        var input = new Pipe(new PipeOptions(
            pauseWriterThreshold: 0,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            minimumSegmentSize: _receiveSize,
            useSynchronizationContext: false));
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                await _inbound.WaitUntilReadyAsync(token);
                var memory = input.Writer.GetMemory(_receiveSize);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None, token);
                if (received == 0)
                {
                    break;
                }

                input.Writer.Advance(received);
                await input.Writer.FlushAsync(token);
                input.Reader.TryRead(out var result);
                var buffer = result.Buffer;
                while (true)
                {
                    var violation = _inbound.Process(ref buffer);
                    if (violation is not null)
                    {
                        self.Tell(new InputViolation(violation));
                        input.Reader.AdvanceTo(buffer.Start, buffer.End);
                        _inbound.Completed(new InvalidDataException(violation), 0);
                        self.Tell(new InputLoopEnded());
                        return;
                    }

                    if (buffer.IsEmpty || !_inbound.IsBlocked)
                    {
                        break;
                    }

                    await _inbound.WaitUntilReadyAsync(token);
                }

                leftover = buffer.Length;
                input.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            error = ex;
        }

        input.Writer.Complete();
        input.Reader.Complete();
        _inbound.Completed(error, leftover);
        self.Tell(new InputLoopEnded());
    }

    private async Task SendLoopAsync(IActorRef self)
    {
        Exception? error = null;
        var reader = _output.Reader;
        var segments = new List<ArraySegment<byte>>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stopping.Token);
                var buffer = result.Buffer;
                var length = buffer.Length;
                if (length > 0)
                {
                    await SendAsync(buffer, segments);
                }

                reader.AdvanceTo(buffer.End);
                if (length > 0)
                {
                    _writtenListener?.Tell(new Written(length));
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            error = ex;
        }

        // Completed without the error: a failed reader would make the actor's next FlushAsync throw in its handler.
        // The error travels in the message instead.
        await reader.CompleteAsync();
        self.Tell(new OutputLoopEnded(error));
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer, List<ArraySegment<byte>> segments)
    {
        if (buffer.IsSingleSegment)
        {
            var memory = buffer.First;
            while (!memory.IsEmpty)
            {
                var sent = await _socket.SendAsync(memory, SocketFlags.None, _stopping.Token);
                memory = memory[sent..];
            }

            return;
        }

        // One gather send for everything queued: batching for free.
        segments.Clear();
        foreach (var memory in buffer)
        {
            if (!MemoryMarshal.TryGetArray(memory, out var segment))
            {
                throw new InvalidOperationException("Pipe memory is not array-backed.");
            }

            segments.Add(segment);
        }

        var total = await _socket.SendAsync(segments, SocketFlags.None);
        if (total != buffer.Length)
        {
            // Stream sockets send everything or fail; finish by hand if that ever changes.
            foreach (var memory in buffer.Slice(total))
            {
                var rest = memory;
                while (!rest.IsEmpty)
                {
                    rest = rest[await _socket.SendAsync(rest, SocketFlags.None, _stopping.Token)..];
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "{Leg}: resetting socket: {Reason}")]
        public static partial void Aborting(ILogger logger, string leg, string reason);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Leg}: closing substream: {Reason}")]
        public static partial void Violation(ILogger logger, string leg, string reason);
    }
}
