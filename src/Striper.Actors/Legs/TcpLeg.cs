using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Striper.Actors.Runtime;
using Striper.Actors.Security;
using Striper.Actors.Wire;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Actors.Legs;

/// <summary>
/// One actor per TCP socket, edge or substream. Two loops run beside the mailbox, as in Kestrel's socket
/// transport: a receive loop (socket → pipe → <see cref="ILegInbound"/> → messages to other actors) and a
/// send loop (<see cref="LegOutput"/>: queued segments → one gather send per batch → socket). The actor itself only
/// queues what it is told to write, so a busy socket never blocks a mailbox. Back-pressure on the way in is the
/// inbound strategy's business (credit); on the way out it is the protocol's (senders respect credit and in-flight
/// caps). The leg stops itself once both loops have ended; a leg is never restarted. On an encrypted substream
/// every frame is sealed here, in the order it is queued (the frame counter is the nonce), into one pooled buffer
/// per frame: header, ciphertext, tag. That costs one pass over the payload and no allocation.
/// </summary>
internal sealed partial class TcpLeg : ReceiveActor
{
    private readonly Socket _socket;
    private readonly ILegInbound _inbound;
    private readonly IActorRef? _writtenListener;
    private readonly int _receiveSize;
    private readonly byte[]? _preamble;
    private readonly FrameSealer? _sealer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly LegOutput _output = new();
    private bool _inputEnded;
    private bool _outputEnded;

    public TcpLeg(Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble, FrameSealer? sealer)
    {
        _sealer = sealer;
        _socket = socket;
        _inbound = inbound;
        _writtenListener = writtenListener;
        _receiveSize = receiveSize;
        _preamble = preamble;

        Receive<WriteRaw>(OnWriteRaw);
        Receive<WriteData>(OnWriteData);
        Receive<WriteAck>(OnWriteAck);
        Receive<WriteFin>(m => WriteHeader(new FrameHeader(FrameType.Fin, FrameFlags.None, 0, m.FinalOffset, 0), []));
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

    public static Props Props(Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble = null, FrameSealer? sealer = null) =>
        Runtime.Props.Create(() => new TcpLeg(socket, inbound, writtenListener, receiveSize, preamble, sealer));

    protected override void PreStart()
    {
        if (_preamble is not null)
        {
            _output.Enqueue(new OutgoingSegment(_preamble));
        }

        var self = Self;
        _ = Task.Run(() => ReceiveLoopAsync(self));
        _ = Task.Run(() => SendLoopAsync(self));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _output.Complete();
        _socket.Dispose();
        _stopping.Dispose();
        _sealer?.Dispose();
    }

    private void OnWriteRaw(WriteRaw message) =>
        _output.Enqueue(new OutgoingSegment(message.Lease.Segment, Owned: message.Lease));

    private void OnWriteData(WriteData message)
    {
        var header = new FrameHeader(FrameType.Data, FrameFlags.None, message.Lease.Length, message.Offset, message.Stamp);
        if (_sealer is not null)
        {
            WriteSealed(header, message.Lease.Span);
            return;
        }

        // The payload is sent from the Striper's own buffer, which it keeps until the far side acknowledges it.
        if (WriteHeader(header, []))
        {
            _output.Enqueue(new OutgoingSegment(message.Lease.Segment));
        }
    }

    private void OnWriteAck(WriteAck message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.AckPayloadSize];
        message.Ack.Write(payload);
        WriteHeader(new FrameHeader(FrameType.Ack, message.Flags, payload.Length, message.Received, message.StampEcho), payload);
    }

    private void OnWriteRst(WriteRst message)
    {
        Span<byte> payload = stackalloc byte[ProtocolConstants.RstPayloadSize];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, (int)message.Reason);
        WriteHeader(new FrameHeader(FrameType.Rst, FrameFlags.None, payload.Length, 0, 0), payload);
    }

    /// <summary>Queues a frame header, followed by a small inline payload (ACK, RST) when there is one.</summary>
    private bool WriteHeader(FrameHeader header, ReadOnlySpan<byte> inlinePayload)
    {
        if (_output.IsCompleted)
        {
            return false;
        }

        if (_sealer is not null)
        {
            return WriteSealed(header, inlinePayload);
        }

        var size = ProtocolConstants.FrameHeaderSize + inlinePayload.Length;
        var bytes = ArrayPool<byte>.Shared.Rent(size);
        header.Write(bytes);
        inlinePayload.CopyTo(bytes.AsSpan(ProtocolConstants.FrameHeaderSize));
        return _output.Enqueue(new OutgoingSegment(new ArraySegment<byte>(bytes, 0, size), RentedArray: true));
    }

    /// <summary>Queues header, sealed payload and tag as one pooled buffer.</summary>
    private bool WriteSealed(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_output.IsCompleted)
        {
            return false;
        }

        const int headerSize = ProtocolConstants.FrameHeaderSize;
        var size = headerSize + payload.Length + ProtocolConstants.FrameTagSize;
        var bytes = ArrayPool<byte>.Shared.Rent(size);
        var frame = bytes.AsSpan(0, size);
        header.Write(frame);
        _sealer!.Seal(frame[..headerSize], payload, frame.Slice(headerSize, payload.Length), frame[(headerSize + payload.Length)..]);
        return _output.Enqueue(new OutgoingSegment(new ArraySegment<byte>(bytes, 0, size), RentedArray: true));
    }

    private void CloseOutput() => _output.Complete();

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

        // Close before completing the output: a completed output lets the send loop FIN the socket,
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
        var listener = _writtenListener;
        var error = await _output.RunAsync(_socket, bytes => listener?.Tell(new Written(bytes)), _stopping.Token);
        if (error is null)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                error = ex;
            }
        }

        self.Tell(new OutputLoopEnded(error));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "{Leg}: resetting socket: {Reason}")]
        public static partial void Aborting(ILogger logger, string leg, string reason);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Leg}: closing substream: {Reason}")]
        public static partial void Violation(ILogger logger, string leg, string reason);
    }
}
